"""Building the messaging area of a running server from its settings."""

from typing import Any

import httpx

from switchboard.messaging.charges import MessageBilling
from switchboard.messaging.pipeline import Pipeline
from switchboard.messaging.ratelimit import SenderSchedule
from switchboard.messaging.service import Messaging
from switchboard.network.connector import ConnectorSet
from switchboard.network.registry import Carriers, load_file
from switchboard.network.sim.sms import SimulatedCarrier


def build_messaging(app: Any) -> Messaging:
    """The :class:`Messaging` of ``app`` (call ``pipeline.start()``): the simulated carrier as the
    default connector (and the carrier connectors of
    ``--connectors`` and of the ``Connector/`` API), the sender schedule from ``Settings.sms_mps``."""
    settings = app.state.settings
    connectors = ConnectorSet(default="sim")
    connectors.add(SimulatedCarrier(app.state.phone_book))
    config_file = load_file(settings.connectors_file) if settings.connectors_file else None
    carriers = Carriers(connectors, app.state.clock, app.state.db.sessionmaker, settings.resolved_public_url, config_file)
    http = httpx.AsyncClient(headers={"User-Agent": "Switchboard media fetcher"})
    pipeline = Pipeline(app.state.db.sessionmaker, app.state.clock, app.state.webhooks, connectors,
                        SenderSchedule(settings.sms_mps), settings.resolved_public_url, http,
                        MessageBilling(app.state.clock, app.state.credentials, settings.billing, app.state.balances),
                        single_writer=app.state.db.backend == "sqlite")
    return Messaging(pipeline=pipeline, http=http, carriers=carriers)
