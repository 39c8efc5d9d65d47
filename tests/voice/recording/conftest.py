"""Helpers for recording tests: an inbound call running given XML, and fetching recordings."""

from typing import Any

import numpy as np

from switchboard.media import audiofile
from tests.voice.conftest import Sim
from tests.voice.customer_app import CustomerApp


def inbound(sim: Sim, customer: CustomerApp, caller: str, xml: str, script: list[dict[str, Any]]) -> str:
    """A call from ``caller`` (running ``script``) to a new number whose answer URL returns ``xml``."""
    customer.route("/answer", xml)
    customer.route("/hangup", "")
    number = sim.rent_number(sim.application(customer.url("/answer"), hangup_url=customer.url("/hangup")))
    return sim.call(caller, number, script)


def download(sim: Sim, url: str) -> bytes:
    response = sim.http.get(url)
    assert response.status_code == 200, response.text
    return response.content


def recordings(sim: Sim, **filters: Any) -> list[dict[str, Any]]:
    response = sim.http.get(f"/v1/Account/{sim.account.auth_id}/Recording/", params=filters)
    assert response.status_code == 200, response.text
    return response.json()["objects"]


def level(samples: np.ndarray, start: float, end: float) -> float:
    """Peak level between ``start`` and ``end`` seconds."""
    part = samples[int(start * 8000):int(end * 8000)].astype(np.int32)
    return float(np.abs(part).max()) if len(part) else 0.0


def decode(data: bytes) -> np.ndarray:
    return audiofile.decode(data)
