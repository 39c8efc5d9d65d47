"""Plivo's asynchronous API mode through the SDK: with ``callback_url`` every Call/ operation
answers "async api spawned" at once and posts its result (snake_case) to the callback URL."""

from plivo import plivoxml
from plivo.utils import validate_v3_signature

from tests.voice.conftest import Sim, clock_auto, kinds
from tests.voice.customer_app import CustomerApp, Hit
from tests.voice.test_live import hold, wait_until, wav

CALLER = "14155550599"


def spawned(sdk) -> str:
    assert sdk.last_status == 202 and sdk.last_json()["message"] == "async api spawned", sdk.last_json()
    return sdk.last_json()["api_id"]


def result(customer: CustomerApp, path: str, api_id: str) -> dict[str, str]:
    hit: Hit = customer.wait_for(path)[0]
    assert hit.params["api_id"] == api_id, hit.params
    return hit.params


def test_every_call_operation_in_async_mode(sdk, sim: Sim, customer: CustomerApp, still_clock: None) -> None:
    customer.route("/answer", hold())
    customer.route("/hangup", "")
    customer.route("/tone.wav", wav(0.5))
    customer.route("/transfer", "<Response><Speak>Transferred.</Speak><Wait length=\"120\"/></Response>")
    for name in ("create", "get", "list", "speak", "play", "dtmf", "speak_stop", "play_stop", "transfer",
                 "hangup", "again"):
        customer.route(f"/cb/{name}", "")
    sim.phone("14155550501", [{"ring": 0}])
    cb = customer.url

    sdk.calls.create(from_=CALLER, to_="14155550501", answer_url=cb("/answer"), hangup_url=cb("/hangup"),
                     callback_url=cb("/cb/create"))
    created = result(customer, "/cb/create", spawned(sdk))
    assert created["message"] == "call fired" and created["status_code"] == "201"
    uuid = created["request_uuid"]
    hit = customer.requests_to("/cb/create")[0]
    assert validate_v3_signature("POST", cb("/cb/create"), hit.headers["X-Plivo-Signature-V3-Nonce"],
                                 sim.account.auth_token, hit.headers["X-Plivo-Signature-V3"], hit.params)
    assert customer.wait_for("/answer")[0].params["CallUUID"] == uuid

    sdk.calls.get(uuid, callback_url=cb("/cb/get"))
    got = result(customer, "/cb/get", spawned(sdk))
    assert got["call_uuid"] == uuid and got["call_direction"] == "outbound" and got["status_code"] == "200"
    sdk.calls.list(callback_url=cb("/cb/list"), call_direction="outbound")
    assert result(customer, "/cb/list", spawned(sdk))["meta"].startswith("{")

    sdk.calls.speak(uuid, "An announcement.", callback_url=cb("/cb/speak"))
    assert result(customer, "/cb/speak", spawned(sdk))["message"] == "speak started"
    sdk.calls.play(uuid, cb("/tone.wav"), callback_url=cb("/cb/play"))
    assert result(customer, "/cb/play", spawned(sdk))["message"] == "play started"
    sdk.calls.send_digits(uuid, "42", callback_url=cb("/cb/dtmf"))
    assert result(customer, "/cb/dtmf", spawned(sdk))["message"] == "digits sent"
    sdk.calls.speak_stop(uuid, callback_url=cb("/cb/speak_stop"))
    stopped = result(customer, "/cb/speak_stop", spawned(sdk))
    assert stopped["message"] == "speak stopped" and stopped["status_code"] == "204"
    sdk.calls.play_stop(uuid, callback_url=cb("/cb/play_stop"))
    assert result(customer, "/cb/play_stop", spawned(sdk))["message"] == "play stopped"
    sdk.calls.update(uuid, legs="aleg", aleg_url=cb("/transfer"), callback_url=cb("/cb/transfer"))
    assert result(customer, "/cb/transfer", spawned(sdk))["message"] == "call transfered"
    customer.wait_for("/transfer")

    log = wait_until(lambda: (lambda entries: entries if any(e.get("text") == "Transferred." for e in entries)
                              else None)(sim.log("14155550501")))
    assert any(e.get("text") == "An announcement." and e.get("overlay") for e in log)
    assert any(e["kind"] == "received_digits" and e["digits"] == "42" for e in log)
    assert [e["url"] for e in kinds(log, "heard_audio")] == [cb("/tone.wav")]

    sdk.calls.delete(uuid, callback_url=cb("/cb/hangup"))
    hung_up = result(customer, "/cb/hangup", spawned(sdk))
    assert hung_up["message"] == "call hung up" and hung_up["status_code"] == "204"
    assert customer.wait_for("/hangup")[0].params["HangupSource"] == "API Request"

    # The operation fails later, so the failure goes to the callback, not to the API answer.
    sdk.calls.delete(uuid, callback_url=cb("/cb/again"))
    failed = result(customer, "/cb/again", spawned(sdk))
    assert failed["status_code"] == "404" and "not in progress" in failed["error"] and "message" not in failed


def test_async_cancel_of_a_queued_call_and_bad_callback_urls(sim: Sim, customer: CustomerApp, still_clock: None) -> None:
    customer.route("/cb", "")
    customer.route("/hangup", "")
    answer = plivoxml.ResponseElement()
    answer.add_hangup()
    customer.route("/answer", answer.to_string())
    base = f"/v1/Account/{sim.account.auth_id}"
    destinations = "<".join(f"1415555{6000 + index}" for index in range(21))
    made = sim.http.post(f"{base}/Call/", json={"from": CALLER, "to": destinations, "answer_url": customer.url("/answer"),
                                                "hangup_url": customer.url("/hangup")})
    assert made.status_code == 201 and made.json()["message"] == "call queued"
    last = made.json()["request_uuid"][-1]  # 2 calls/s: it waits 10 s in the queue
    cancelled = sim.http.request("DELETE", f"{base}/Request/{last}/", json={"callback_url": customer.url("/cb"),
                                                                            "callback_method": "GET"})
    assert cancelled.status_code == 202 and cancelled.json()["message"] == "async api spawned"
    hit = customer.wait_for("/cb")[0]
    assert hit.method == "GET" and hit.params["message"] == "call cancelled" and hit.params["status_code"] == "204"
    for body in ({"callback_url": "ftp://example.com/x"}, {"callback_url": customer.url("/cb"), "callback_method": "PUT"}):
        response = sim.http.request("DELETE", f"{base}/Call/{last}/", json=body)
        assert response.status_code == 400 and "callback" in response.json()["error"], response.text
    clock_auto(sim.server, True)  # the rest of the queue now goes in virtual time
    hangups = customer.wait_for("/hangup", 21)
    assert {h.params["CallUUID"] for h in hangups} == set(made.json()["request_uuid"])
