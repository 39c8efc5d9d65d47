"""Building the messaging area of a running server from its settings."""

from typing import Any

import httpx

from switchboard.messaging.pipeline import Pipeline
from switchboard.messaging.ratelimit import SenderSchedule
from switchboard.messaging.service import Messaging
from switchboard.network.connector import ConnectorSet
from switchboard.network.sim.sms import SimulatedCarrier


def build_messaging(app: Any) -> Messaging:
    """The :class:`Messaging` of ``app`` (call ``pipeline.start()``): the simulated carrier as the
    default connector, the sender schedule from ``Settings.sms_mps``."""
    settings = app.state.settings
    connectors = ConnectorSet(default="sim")
    connectors.add(SimulatedCarrier(app.state.phone_book))
    pipeline = Pipeline(app.state.db.sessionmaker, app.state.clock, app.state.webhooks, connectors,
                        SenderSchedule(settings.sms_mps), settings.resolved_public_url,
                        single_writer=app.state.db.backend == "sqlite")
    return Messaging(pipeline=pipeline, http=httpx.AsyncClient(headers={"User-Agent": "Switchboard media fetcher"}))
