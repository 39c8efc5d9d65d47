"""Inbound messages: the application's message_url, XML <Message> replies, reassembly of
concatenated parts, messages between two Switchboard numbers, and STOP/START/HELP."""

from plivo import plivoxml

from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.messaging.conftest import buy, eventually, handset
from tests.messaging.receiver import Receiver
from tests.messaging.test_send import finals, phone_log
from tests.numbers.test_search_buy import subaccount_client



def number_with_app(client: RecordingClient, receiver: Receiver, path: str = "/incoming", country: str = "US") -> str:
    number = buy(client, country)
    app = client.applications.create(app_name="sms app", message_url=receiver.url(path), message_method="POST")
    client.numbers.update(number, app_id=app.app_id)
    return number


def inject(server: LiveServer, account: MainAccount, src: str, dst: str, text: str) -> dict:
    with server.http(account) as http:
        response = http.post("/_sim/messages", json={"from": src, "to": dst, "text": text})
    assert response.status_code == 202, response.text
    return response.json()


def test_inbound_posts_plivo_parameters_and_sends_xml_replies(server: LiveServer, account: MainAccount,
                                                               client: RecordingClient, receiver: Receiver) -> None:
    phone = handset()
    number = number_with_app(client, receiver)
    reply = plivoxml.ResponseElement()  # the SDK's XML builder, as a Plivo app would answer
    reply.add_message("Thanks!", src=number, dst=phone, callback_url=receiver.url("/reply-status"), callback_method="POST")
    reply.add_message("Second reply")
    receiver.replies["/incoming"] = reply.to_string().encode()
    inject(server, account, phone, number, "Hello there")
    [posted] = eventually(lambda: receiver.at("/incoming"))
    assert posted.signature_ok
    params = posted.params
    assert params["From"] == phone and params["To"] == number and params["Text"] == "Hello there"
    assert params["Type"] == "sms" and params["Units"] == "1" and params["MessageIntent"] == ""
    assert params["TotalRate"] == "0.00000" and params["TotalAmount"] == "0.00000" and params["MessageUUID"]
    eventually(lambda: finals(receiver, "/reply-status"))
    texts = eventually(lambda: [e["text"] for e in phone_log(server, account, phone) if e["kind"] == "sms"] if
                       len([e for e in phone_log(server, account, phone) if e["kind"] == "sms"]) == 2 else None)
    assert sorted(texts) == ["Second reply", "Thanks!"]
    inbound = client.messages.get(params["MessageUUID"])
    assert inbound.message_direction == "inbound" and inbound.message_state == "delivered"
    listed = client.messages.list(message_direction="inbound")
    assert [m.message_uuid for m in listed] == [params["MessageUUID"]]


def test_multipart_inbound_is_reassembled(server: LiveServer, account: MainAccount, client: RecordingClient,
                                         receiver: Receiver) -> None:
    phone = handset()
    number = number_with_app(client, receiver)
    text = "".join(f"{i:04d} part of a long story. " for i in range(40))  # 1,160 GSM characters: 8 parts of 153
    assert inject(server, account, phone, number, text)["units"] == 8
    [posted] = eventually(lambda: receiver.at("/incoming"))
    assert posted.params["Text"] == text and posted.params["Units"] == "8"


def test_message_between_two_switchboard_numbers(server: LiveServer, account: MainAccount, client: RecordingClient,
                                                 receiver: Receiver) -> None:
    target = number_with_app(client, receiver)
    src = buy(client)
    [uuid] = client.messages.create(src=src, dst=target, text="internal hello", url=receiver.url("/status")).message_uuid
    [posted] = eventually(lambda: receiver.at("/incoming"))
    assert posted.params["From"] == src and posted.params["Text"] == "internal hello"
    eventually(lambda: finals(receiver).get(uuid) == "delivered")
    assert not [e for e in phone_log(server, account, target) if e["kind"] == "sms"]


def test_stop_blocks_start_lifts_help_answers(server: LiveServer, account: MainAccount, client: RecordingClient,
                                             receiver: Receiver) -> None:
    phone = handset()
    number = number_with_app(client, receiver)
    inject(server, account, phone, number, "  Stop ")
    eventually(lambda: receiver.at("/incoming"))
    assert receiver.at("/incoming")[0].params["MessageIntent"] == "optout"
    confirmations = eventually(lambda: [e for e in phone_log(server, account, phone) if e["kind"] == "sms"])
    assert "unsubscribed" in confirmations[0]["text"]
    [blocked] = client.messages.create(src=number, dst=phone, text="promo", url=receiver.url("/status")).message_uuid
    eventually(lambda: finals(receiver).get(blocked) == "failed")
    failed = [c.params for c in receiver.at("/status") if c.params["MessageUUID"] == blocked and c.params["Status"] == "failed"]
    assert failed[0]["ErrorCode"] == "200"
    assert client.messages.get(blocked).error_code == "200"
    other = buy(client)
    [allowed] = client.messages.create(src=other, dst=phone, text="other number", url=receiver.url("/status")).message_uuid
    eventually(lambda: finals(receiver).get(allowed) == "delivered")
    inject(server, account, phone, number, "START")
    eventually(lambda: len(receiver.at("/incoming")) == 2)
    assert receiver.at("/incoming")[1].params["MessageIntent"] == "optin"
    [again] = client.messages.create(src=number, dst=phone, text="welcome back", url=receiver.url("/status")).message_uuid
    eventually(lambda: finals(receiver).get(again) == "delivered")
    inject(server, account, phone, number, "help")
    eventually(lambda: len(receiver.at("/incoming")) == 3)
    assert receiver.at("/incoming")[2].params["MessageIntent"] == "help"
    eventually(lambda: any(e["kind"] == "sms" and e["text"].startswith("Reply STOP") for e in phone_log(server, account, phone)))


def test_stop_is_not_handled_outside_us_and_ca_by_default(server: LiveServer, account: MainAccount,
                                                         client: RecordingClient, receiver: Receiver) -> None:
    gb = buy(client, "GB", type="mobile")
    app = client.applications.create(app_name="gb", message_url=receiver.url("/gb"))
    client.numbers.update(gb, app_id=app.app_id)
    inject(server, account, "447700900555", gb, "STOP")
    [posted] = eventually(lambda: receiver.at("/gb"))
    assert posted.params["MessageIntent"] == ""
    [uuid] = client.messages.create(src=gb, dst="447700900555", text="still allowed", url=receiver.url("/status")).message_uuid
    eventually(lambda: finals(receiver).get(uuid) == "delivered")


def test_phone_reply_behaviour_comes_back_inbound(server: LiveServer, account: MainAccount, client: RecordingClient,
                                                  receiver: Receiver) -> None:
    number = number_with_app(client, receiver)
    with server.http(account) as http:
        http.post("/_sim/phones", json={"number": "14155550499", "sms": {"reply": "Got it"}})
    client.messages.create(src=number, dst="14155550499", text="ping")
    [posted] = eventually(lambda: receiver.at("/incoming"))
    assert posted.params["Text"] == "Got it" and posted.params["From"] == "14155550499"


def test_sim_messages_rejects_unknown_numbers(server: LiveServer, account: MainAccount) -> None:
    phone = handset()
    with server.http(account) as http:
        response = http.post("/_sim/messages", json={"from": phone, "to": "14155559999", "text": "hi"})
        assert response.status_code == 404 and "not a number" in response.json()["error"]
        assert http.post("/_sim/messages", json={"from": phone, "to": "14155559999"}).status_code == 400


def test_opt_out_settings_per_account(server: LiveServer, account: MainAccount, client: RecordingClient,
                                      receiver: Receiver) -> None:
    phone = handset()
    us = number_with_app(client, receiver)
    gb = buy(client, "GB", type="mobile")
    client.numbers.update(gb, app_id=client.numbers.get(us).application.rstrip("/").rsplit("/", 1)[-1])
    base = f"/v1/Account/{account.auth_id}/MessagingSettings/"
    with server.http(account) as http:
        assert http.get(base).json()["opt_out"] == "auto"
        changed = http.post(base, json={"opt_out": "on", "help_text": "Call 555-0100 for help"})
        assert changed.status_code == 202 and changed.json()["opt_out"] == "on"
        assert http.post(base, json={"opt_out": "sometimes"}).status_code == 400
    inject(server, account, "447700900777", gb, "HELP")
    eventually(lambda: any(e["kind"] == "sms" and e["text"] == "Call 555-0100 for help"
                           for e in phone_log(server, account, "447700900777")))
    with server.http(account) as http:
        http.post(base, json={"opt_out": "off"})
    inject(server, account, phone, us, "STOP")
    posted = eventually(lambda: [c for c in receiver.at("/incoming") if c.params["From"] == phone])
    assert posted[0].params["MessageIntent"] == ""
    [uuid] = client.messages.create(src=us, dst=phone, text="not blocked", url=receiver.url("/status")).message_uuid
    eventually(lambda: finals(receiver).get(uuid) == "delivered")
    sub_id, _sub = subaccount_client(server, client)
    token = client.subaccounts.get(sub_id).auth_token
    with server.http() as http:
        denied = http.get(f"/v1/Account/{sub_id}/MessagingSettings/", auth=(sub_id, token))
    assert denied.status_code == 403
