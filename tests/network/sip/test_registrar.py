"""The registrar: endpoints register with digest authentication (baresip as the real phone), and
the cases a phone would not produce (wrong password, unknown user, short expiry, wildcard) from a
bare UDP client."""

import re
import time
from pathlib import Path

import pytest

from switchboard.network.sip.auth import Nonces
from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.network.sip.peers import Baresip, RawClient

PASSWORD = "s3cret-pass"


def new_endpoint(sdk: RecordingClient, app_id: str | None = None) -> tuple[str, str]:
    created = sdk.endpoints.create(username="phone", password=PASSWORD, alias="desk", **({"app_id": app_id} if app_id else {}))
    return created.endpoint_id, created.username


def wait_until(check, seconds: float = 15.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    return check()


def test_baresip_registers_and_unregisters(sip_server: LiveServer, sip_sdk: RecordingClient, tmp_path: Path) -> None:
    endpoint_id, username = new_endpoint(sip_sdk)
    phone = Baresip(tmp_path / "baresip", sip_server.sip_port, username, PASSWORD)  # type: ignore[attr-defined]
    try:
        registered = wait_until(lambda: (e := sip_sdk.endpoints.get(endpoint_id)).sip_registered == "true" and e)
        assert registered, "baresip did not register"
        assert registered.sip_contact.startswith(f"sip:{username}"), registered.sip_contact
        assert "baresip" in (registered.sip_user_agent or "")
        assert registered.sip_expires is not None
    finally:
        phone.stop()
    assert wait_until(lambda: sip_sdk.endpoints.get(endpoint_id).sip_registered == "false"), "quitting did not unregister"
    assert sip_sdk.endpoints.get(endpoint_id).sip_contact is None


@pytest.fixture
def raw(sip_server: LiveServer):  # type: ignore[no-untyped-def]
    client = RawClient(sip_server.sip_port)  # type: ignore[attr-defined]
    yield client
    client.close()


def register(raw: RawClient, username: str, password: str, headers: list[str], cseq: int = 1, call_id: str = "") -> str:
    call_id = call_id or f"reg-{time.time_ns()}"
    challenge = raw.request("REGISTER", username, headers, call_id=call_id, cseq=cseq)
    assert raw.status(challenge) == 401 and 'qop="auth"' in challenge
    auth = raw.authorization(challenge, username, password, "REGISTER")
    return raw.request("REGISTER", username, [*headers, auth], call_id=call_id, cseq=cseq + 1)


def test_several_contacts_expiry_and_wildcard_removal(raw: RawClient, sip_sdk: RecordingClient) -> None:
    endpoint_id, username = new_endpoint(sip_sdk)
    call_id = f"multi-{time.time_ns()}"
    ok = register(raw, username, PASSWORD, [f"Contact: <sip:{username}@10.0.0.1:5060>;expires=120",
                                            f"Contact: <sip:{username}@10.0.0.2:5060>", "Expires: 600",
                                            "User-Agent: RawPhone/1.0"], call_id=call_id)
    assert raw.status(ok) == 200
    expiries = dict(re.findall(r"Contact: <([^>]+)>;expires=(\d+)", ok))
    assert set(expiries) == {f"sip:{username}@10.0.0.1:5060", f"sip:{username}@10.0.0.2:5060"}
    assert 110 <= int(expiries[f"sip:{username}@10.0.0.1:5060"]) <= 120
    assert 590 <= int(expiries[f"sip:{username}@10.0.0.2:5060"]) <= 600
    shown = sip_sdk.endpoints.get(endpoint_id)
    assert shown.sip_registered == "true" and shown.sip_user_agent == "RawPhone/1.0"
    assert shown.sip_contact == f"sip:{username}@10.0.0.2:5060"  # the longest-lived binding

    too_short = register(raw, username, PASSWORD, [f"Contact: <sip:{username}@10.0.0.3>", "Expires: 10"], call_id=call_id, cseq=10)
    assert raw.status(too_short) == 423 and "Min-Expires: 60" in too_short

    one_gone = register(raw, username, PASSWORD, [f"Contact: <sip:{username}@10.0.0.2:5060>;expires=0"], call_id=call_id, cseq=20)
    assert raw.status(one_gone) == 200 and "10.0.0.2" not in one_gone and "10.0.0.1" in one_gone
    assert sip_sdk.endpoints.get(endpoint_id).sip_contact == f"sip:{username}@10.0.0.1:5060"

    cleared = register(raw, username, PASSWORD, ["Contact: *", "Expires: 0"], call_id=call_id, cseq=30)
    assert raw.status(cleared) == 200 and "Contact:" not in cleared
    shown = sip_sdk.endpoints.get(endpoint_id)
    assert shown.sip_registered == "false" and shown.sip_contact is None and shown.sip_expires is None


def test_wrong_password_and_unknown_user_are_refused(raw: RawClient, sip_sdk: RecordingClient) -> None:
    endpoint_id, username = new_endpoint(sip_sdk)
    refused = register(raw, username, "not-the-password", [f"Contact: <sip:{username}@10.0.0.9>"])
    assert raw.status(refused) == 403
    nobody = register(raw, "nobody123", PASSWORD, ["Contact: <sip:nobody123@10.0.0.9>"])
    assert raw.status(nobody) == 403
    assert sip_sdk.endpoints.get(endpoint_id).sip_registered == "false"
    # a nonce the server never issued is challenged again, not trusted
    forged = raw.request("REGISTER", username, [
        f'Authorization: Digest username="{username}", realm="127.0.0.1", nonce="1.abc", uri="sip:127.0.0.1", response="00"',
        f"Contact: <sip:{username}@10.0.0.9>"])
    assert raw.status(forged) == 401 and "stale" not in forged
    # registering someone else's address-of-record with one's own credentials
    _, other = new_endpoint(sip_sdk)
    challenge = raw.request("REGISTER", other, [f"Contact: <sip:{other}@10.0.0.9>"])
    auth = raw.authorization(challenge, username, PASSWORD, "REGISTER")
    assert raw.status(raw.request("REGISTER", other, [auth, f"Contact: <sip:{other}@10.0.0.9>"])) == 403


def test_an_old_nonce_is_stale_and_a_foreign_one_invalid(monkeypatch: pytest.MonkeyPatch) -> None:
    nonces = Nonces(b"k" * 32)
    nonce = nonces.issue()
    assert nonces.check(nonce) == "valid"
    later = time.time() + 301
    monkeypatch.setattr(time, "time", lambda: later)
    assert nonces.check(nonce) == "stale"
    assert Nonces(b"x" * 32).check(nonce) == "invalid"
    assert nonces.check("garbage") == "invalid"
