"""The behaviour suite runs each test on both networks: ``network`` is ``sim`` (simulated phones
on the virtual clock) or ``sip`` (baresip peers over real SIP/RTP, real clock). The ``sim`` runs
cover both databases; the ``sip`` runs, which add the wire and the media, run on the first."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.voice.behaviour.phones import Network, SimNetwork, SipNetwork
from tests.voice.customer_app import CustomerApp


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "net" not in metafunc.fixturenames:
        return
    metafunc.parametrize("net", ["sim", pytest.param("sip", marks=pytest.mark.one_backend)], indirect=True)


@pytest.fixture
def net(request: pytest.FixtureRequest, backend: str, customer: CustomerApp, tmp_path: Path) -> Iterator[Network]:
    if request.param == "sim":
        server = request.getfixturevalue("voice_server")
        network: Network = SimNetwork(server, server.new_main_account(), customer, tmp_path)
    else:
        server = request.getfixturevalue("sip_server")
        network = SipNetwork(server, server.new_main_account(), customer, tmp_path)
    try:
        yield network
    finally:
        network.stop()
