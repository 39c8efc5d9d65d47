"""Client mistakes on Message/ are Plivo-shaped 400s that say what is wrong (never a 5xx)."""

import plivo
import pytest

from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.messaging.conftest import buy
from tests.numbers.test_search_buy import subaccount_client

PHONE = "14155550600"


def error_of(server: LiveServer, account: MainAccount, **body: object) -> tuple[int, str]:
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/Message/", json=body)
    return response.status_code, response.json().get("error", "")


@pytest.mark.parametrize(("body", "expected"), [
    ({"dst": PHONE, "text": "x"}, "src is required"),
    ({"src": "SRC", "text": "x"}, "dst is required"),
    ({"src": "SRC", "dst": PHONE, "text": ""}, "text is required"),
    ({"src": "SRC", "dst": PHONE}, "text is required"),
    ({"src": "SRC", "dst": PHONE, "text": "a" * 1601}, "error 110"),
    ({"src": "SRC", "dst": PHONE, "text": "ç" * 738}, "error 110"),
    ({"src": "SRC", "dst": "12", "text": "x"}, "dst"),
    ({"src": "SRC", "dst": "abc", "text": "x"}, "dst"),
    ({"src": "SRC", "dst": f"{PHONE}<<{PHONE}", "text": "x"}, "empty destination"),
    ({"src": "SRC", "dst": PHONE, "text": "x", "type": "fax"}, "type"),
    ({"src": "SRC", "dst": PHONE, "text": "x", "url": "not a url"}, "url"),
    ({"src": "SRC", "dst": PHONE, "text": "x", "method": "PUT"}, "method"),
    ({"src": "SRC", "dst": PHONE, "text": "x", "powerpack_uuid": "d8f0d4c6-0000-4000-8000-000000000000"}, "Powerpack"),
    ({"src": "SRC", "dst": PHONE, "text": "x", "type": "whatsapp"}, "whatsapp"),
    ({"src": "SRC", "dst": PHONE, "text": "x", "media_urls": ["http://127.0.0.1:9/a.png"]}, "need type mms"),
    ({"src": "SRC", "dst": "SRC", "text": "x"}, "cannot be the source"),
    ({"src": "SRC", "dst": PHONE, "text": "nul\x00byte"}, "NUL"),
])
def test_bad_send_parameters(server: LiveServer, account: MainAccount, client: RecordingClient, body: dict, expected: str) -> None:
    src = buy(client)
    body = {key: (value.replace("SRC", src) if isinstance(value, str) else value) for key, value in body.items()}
    status, error = error_of(server, account, **body)
    assert status == 400
    assert expected in error


def test_src_must_be_an_sms_number_of_the_account(server: LiveServer, account: MainAccount, client: RecordingClient) -> None:
    other = server.new_main_account()
    foreign = buy(RecordingClient(server.base_url, other.auth_id, other.auth_token))
    status, error = error_of(server, account, src=foreign, dst=PHONE, text="x")
    assert status == 400 and "not a number of this account" in error and "40" in error
    status, error = error_of(server, account, src="14155550000", dst=PHONE, text="x")
    assert status == 400 and "not a number of this account" in error
    voice_only = buy_voice_only(client)
    status, error = error_of(server, account, src=voice_only, dst=PHONE, text="x")
    assert status == 400 and "not SMS-enabled" in error
    with pytest.raises(plivo.exceptions.ValidationError, match="not a number of this account"):
        client.messages.create(src=foreign, dst=PHONE, text="x")


def buy_voice_only(client: RecordingClient) -> str:
    from tests.numbers.test_search_buy import search

    number = search(client, "GB", limit=1, type="local")[0].number  # GB local numbers are voice-only
    client.numbers.buy(number)
    return number


def test_subaccount_cannot_use_the_main_accounts_number(server: LiveServer, account: MainAccount, client: RecordingClient) -> None:
    mains = buy(client)
    sub_id, sub = subaccount_client(server, client)
    with pytest.raises(plivo.exceptions.ValidationError, match="belongs to another account"):
        sub.messages.create(src=mains, dst=PHONE, text="x")
    own = buy(client)
    client.numbers.update(own, subaccount=sub_id)
    [uuid] = sub.messages.create(src=own, dst=PHONE, text="from the branch").message_uuid
    assert sub.messages.get(uuid).resource_uri == f"/v1/Account/{sub_id}/Message/{uuid}/"
    assert client.messages.get(uuid).message_uuid == uuid  # the main account sees its subaccounts' messages
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        sub.messages.get(client.messages.create(src=mains, dst=PHONE, text="main's").message_uuid[0])


def test_too_many_destinations(server: LiveServer, account: MainAccount, client: RecordingClient) -> None:
    src = buy(client)
    dst = "<".join(f"1415{5550000 + i:07d}"[:11] for i in range(1001))
    status, error = error_of(server, account, src=src, dst=dst, text="x")
    assert status == 400 and "at most 1000" in error


@pytest.mark.parametrize(("content_type", "body"), [
    ("application/json", b'{"src": "\xff\xfe", "dst": "1", "text": "x"}'),
    ("application/x-www-form-urlencoded", b"src=%FF%FE&dst=14155550600&text=%C3%28"),
    ("application/json", b"\xff\xfe\x00"),
    ("multipart/form-data; boundary=zz", b"--zz\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n\xff\xfe\r\n--zz--\r\n"),
])
def test_non_utf8_bodies_are_400(server: LiveServer, account: MainAccount, content_type: str, body: bytes) -> None:
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/Message/", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 400, response.text
    assert response.json()["error"]


def test_unknown_message_is_404(client: RecordingClient) -> None:
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        client.messages.get("5b40a428-bfc7-4daf-9d06-726c558bf3b8")
