"""Every operation of :mod:`tests.sdk_conformance.operations` through the official Python ``plivo``
SDK, against a live Switchboard: the Python twin of ``conformance.js``. The server's virtual clock
is held to real time (the caller does so) and moved on through ``/_sim/clock/advance`` where a
call needs time, so calls stay up while the operations act on them."""

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import plivo
from plivo import plivoxml
from plivo.utils import validate_v3_signature

from tests.sdk_conformance.harness import Result, Run, check, hold, not_found, until
from tests.voice.test_live import wav

CALLER = "14155565000"


def accounts(run: Run) -> None:
    client, state = run.client, run.state
    run.op("account.get", "client.account.get()",
           lambda: check(client.account.get().auth_id == run.auth_id, "auth_id"))

    def update() -> None:
        client.account.update(name="Python SDK", city="Lisbon", address="Rua 1")
        account = client.account.get()
        check((account.name, account.city) == ("Python SDK", "Lisbon"), f"{account.name} {account.city}")
    run.op("account.update", "client.account.update(name=…, city=…, address=…)", update)

    def create() -> None:
        state["sub"] = client.subaccounts.create(name="py-sub", enabled=True).auth_id
        check(state["sub"].startswith("SA"), state["sub"])
    run.op("subaccount.create", "client.subaccounts.create(name, enabled)", create)
    run.op("subaccount.get", "client.subaccounts.get(auth_id)",
           lambda: check(client.subaccounts.get(state["sub"]).name == "py-sub", "name"))
    run.op("subaccount.list", "client.subaccounts.list(limit, offset)",
           lambda: check(state["sub"] in {sub.auth_id for sub in client.subaccounts.list(limit=20, offset=0)}, "listed"))

    def update_sub() -> None:
        client.subaccounts.update(state["sub"], name="py-sub-renamed", enabled=False)
        sub = client.subaccounts.get(state["sub"])
        check((sub.name, sub.enabled) == ("py-sub-renamed", False), f"{sub.name} {sub.enabled}")
    run.op("subaccount.update", "client.subaccounts.update(auth_id, name, enabled)", update_sub)

    def delete_sub() -> None:
        client.subaccounts.delete(state["sub"], cascade=True)
        not_found(lambda: client.subaccounts.get(state["sub"]))
    run.op("subaccount.delete", "client.subaccounts.delete(auth_id, cascade)", delete_sub)


def applications(run: Run) -> None:
    client, state, app = run.client, run.state, run.app

    def create() -> None:
        state["app"] = client.applications.create(app_name="py-app", answer_url=app.url("/answer"),
                                                  hangup_url=app.url("/hangup")).app_id
    run.op("application.create", "client.applications.create(app_name, answer_url, …)", create)
    run.op("application.get", "client.applications.get(app_id)",
           lambda: check(client.applications.get(state["app"]).answer_url == app.url("/answer"), "answer_url"))
    run.op("application.list", "client.applications.list(app_name=…)",
           lambda: check([a.app_id for a in client.applications.list(app_name="py-app")] == [state["app"]], "listed"))

    def update() -> None:
        client.applications.update(state["app"], answer_url=app.url("/answer2"))
        check(client.applications.get(state["app"]).answer_url == app.url("/answer2"), "answer_url")
    run.op("application.update", "client.applications.update(app_id, …)", update)

    def delete() -> None:
        spare = client.applications.create(app_name="py-app-spare", answer_url=app.url("/answer")).app_id
        client.applications.delete(spare)
        not_found(lambda: client.applications.get(spare))
    run.op("application.delete", "client.applications.delete(app_id)", delete)


def endpoints(run: Run) -> None:
    client, state = run.client, run.state

    def create() -> None:
        state["endpoint"] = client.endpoints.create(username="pyuser", password="secret123", alias="Py User",
                                                    app_id=state["app"]).endpoint_id
    run.op("endpoint.create", "client.endpoints.create(username, password, alias, app_id)", create)
    run.op("endpoint.get", "client.endpoints.get(endpoint_id)",
           lambda: check(client.endpoints.get(state["endpoint"]).alias == "Py User", "alias"))
    run.op("endpoint.list", "client.endpoints.list()",
           lambda: check(state["endpoint"] in {e.endpoint_id for e in client.endpoints.list()}, "listed"))

    def update() -> None:
        client.endpoints.update(state["endpoint"], alias="Renamed")
        check(client.endpoints.get(state["endpoint"]).alias == "Renamed", "alias")
    run.op("endpoint.update", "client.endpoints.update(endpoint_id, alias=…)", update)

    def delete() -> None:
        client.endpoints.delete(state["endpoint"])
        not_found(lambda: client.endpoints.get(state["endpoint"]))
    run.op("endpoint.delete", "client.endpoints.delete(endpoint_id)", delete)


def numbers(run: Run) -> None:
    client, state = run.client, run.state

    def search() -> None:
        state["searched"] = [n.number for n in client.numbers.search("US", type="local", limit=3)]
        check(len(state["searched"]) == 3, f"{len(state['searched'])} found")
    run.op("number.search", "client.numbers.search(country_iso, type=…, limit=…)", search)

    def buy() -> None:
        client.numbers.buy(state["searched"][0], app_id=state["app"])
        state["number"] = state["searched"][0]
    run.op("number.buy", "client.numbers.buy(number, app_id)", buy)
    run.op("number.list", "client.numbers.list()",
           lambda: check(state["number"] in {n.number for n in client.numbers.list(limit=20)}, "listed"))
    run.op("number.get", "client.numbers.get(number)",
           lambda: check(client.numbers.get(state["number"]).application.endswith(f"/Application/{state['app']}/"), "app"))

    def update() -> None:
        client.numbers.update(state["number"], alias="py line")
        check(client.numbers.get(state["number"]).alias == "py line", "alias")
    run.op("number.update", "client.numbers.update(number, alias=…)", update)

    def add_own() -> None:
        carrier = run.sim("POST", f"/v1/Account/{run.auth_id}/IncomingCarrier/", {"name": "py-own", "ip_set": "198.51.100.8"})
        client.numbers.create(numbers="442079465678", carrier=carrier["carrier_id"], region="London", number_type="local")
        got = client.numbers.get("442079465678")
        check((got.carrier, got.region) == ("py-own", "London"), f"{got.carrier} {got.region}")
    run.op("number.add_own", "client.numbers.create(numbers, carrier, region, number_type)", add_own)

    def unrent() -> None:
        client.numbers.buy(state["searched"][1])
        client.numbers.delete(state["searched"][1])
        not_found(lambda: client.numbers.get(state["searched"][1]))
    run.op("number.unrent", "client.numbers.delete(number)", unrent)


def pricing_and_lookup(run: Run) -> None:
    client = run.client
    run.op("pricing.get", "client.pricing.get(country_iso)",
           lambda: check(client.pricing.get("US").country_iso == "US", "country_iso"))
    run.op("lookup.get", "client.lookup.get(number)",
           lambda: check(client.lookup.get("+14155550123").phone_number == "+14155550123", "phone_number"))


def messaging(run: Run) -> None:
    client, state, app = run.client, run.state, run.app
    app.route("/message-status", "")

    def send() -> None:
        state["message"] = client.messages.create(src=state["number"], dst="14155565100", text="hello from python",
                                                  url=app.url("/message-status")).message_uuid[0]
    run.op("message.send", "client.messages.create(src, dst, text, url=…)", send)
    run.op("message.get", "client.messages.get(message_uuid)",
           lambda: until(lambda: client.messages.get(state["message"]).message_state == "delivered"))
    run.op("message.list", "client.messages.list(message_direction=…)",
           lambda: check(state["message"] in {m.message_uuid for m in client.messages.list(limit=5, message_direction="outbound")}, "listed"))

    def upload() -> None:
        path = run.work_dir / "tone.wav"
        path.write_bytes(wav(0.2))
        [item] = client.media.upload([str(path)])["objects"]
        check(item["status"] == "success", str(item))
        state["media"] = item["media_id"]
    run.op("media.upload", "client.media.upload([path])", upload)
    run.op("media.get", "client.media.get(media_id)",
           lambda: check(client.media.get(state["media"]).media_id == state["media"], "media_id"))
    run.op("media.list", "client.media.list(limit, offset)",
           lambda: check(state["media"] in {m.media_id for m in client.media.list(limit=5, offset=0)}, "listed"))

    def send_mms() -> None:
        state["mms"] = client.messages.create(src=state["number"], dst="14155565100", text="a picture", type_="mms",
                                              media_ids=[state["media"]]).message_uuid[0]
        until(lambda: client.messages.get(state["mms"]).message_state == "delivered")
    run.op("message.send_mms", "client.messages.create(…, type_='mms', media_ids=[…])", send_mms)

    def list_media() -> None:
        media = client.messages.get(state["mms"]).listMedia()
        check([item["media_id"] for item in media["objects"]] == [state["media"]], str(media))
    run.op("message.list_media", "client.messages.get(message_uuid).listMedia()", list_media)


def recording_ops(run: Run, resource: str, key: str, start: Callable[[], Any], stop: Callable[[], Any],
                  callback: str) -> None:
    """``<resource>.record`` (a moment of recorded virtual time) and ``<resource>.record_stop``
    (the recording callback arrives)."""
    def record() -> None:
        start()
        deadline = time.monotonic() + 0.2
        run.fast_forward(lambda: time.monotonic() > deadline)
    run.op(f"{resource}.record", f"client.{resource}s.record({key}, callback_url=…)", record)
    run.op(f"{resource}.record_stop", f"client.{resource}s.record_stop({key})",
           lambda: (stop(), run.app.wait_for(callback, timeout=10)))


def calls(run: Run) -> None:
    client, state, app = run.client, run.state, run.app
    transferred = plivoxml.ResponseElement()
    transferred.add_speak("You were transferred.")
    transferred.add_wait(length=120)
    for path, reply in (("/hold", hold()), ("/beep.wav", wav(1.5)), ("/transfer", transferred.to_string()),
                        ("/hangup", ""), ("/recorded", ""), ("/hangup-queued", ""), ("/speak-result", "")):
        app.route(path, reply)
    run.phone("14155565001", [{"ring": 0}])

    def create() -> None:
        state["call"] = client.calls.create(from_=CALLER, to_="14155565001", answer_url=app.url("/hold"),
                                            hangup_url=app.url("/hangup")).request_uuid
        app.wait_for("/hold")
    run.op("call.create", "client.calls.create(from_, to_, answer_url, …)", create)
    uuid = state.get("call", "")
    run.op("call.live_list", "client.live_calls.list_ids()",
           lambda: check(uuid in client.live_calls.list_ids().calls, "listed"))
    run.op("call.live_get", "client.live_calls.get(call_uuid)",
           lambda: check(client.live_calls.get(uuid).call_status == "in-progress", "in-progress"))
    run.op("call.speak", "client.calls.speak(call_uuid, text, voice=…)",
           lambda: check(client.calls.speak(uuid, "This is an announcement.", voice="MAN").message == "speak started", "speak"))
    def speak_async() -> None:
        spawned = client.calls.speak(uuid, "Asynchronously.", callback_url=app.url("/speak-result"))
        check(spawned.message == "async api spawned", str(spawned))
        check(app.wait_for("/speak-result", timeout=10)[0].params["api_id"] == spawned.api_id, "the result names the request")
    run.op("call.speak_async", "client.calls.speak(call_uuid, text, callback_url=…)", speak_async)
    run.op("call.speak_stop", "client.calls.speak_stop(call_uuid)", lambda: client.calls.speak_stop(uuid))
    run.op("call.play", "client.calls.play(call_uuid, urls)",
           lambda: check(client.calls.play(uuid, app.url("/beep.wav")).message == "play started", "play"))
    run.op("call.play_stop", "client.calls.play_stop(call_uuid)", lambda: client.calls.play_stop(uuid))

    def send_digits() -> None:
        client.calls.send_digits(uuid, "1234")
        until(lambda: any(e["kind"] == "received_digits" and e["digits"] == "1234" for e in run.phone_log("14155565001")))
    run.op("call.send_digits", "client.calls.send_digits(call_uuid, digits)", send_digits)

    def record() -> None:
        state["recording"] = client.calls.record(uuid, callback_url=app.url("/recorded")).recording_id
    recording_ops(run, "call", "call_uuid", record, lambda: client.calls.record_stop(uuid), "/recorded")

    def transfer() -> None:
        client.calls.update(uuid, legs="aleg", aleg_url=app.url("/transfer"))
        check(app.wait_for("/transfer", timeout=10)[0].params["CallUUID"] == uuid, "transfer fetched")
    run.op("call.transfer", "client.calls.update(call_uuid, legs='aleg', aleg_url=…)", transfer)

    def hangup() -> None:
        client.calls.delete(uuid)
        check(app.wait_for("/hangup", timeout=10)[0].params["HangupSource"] == "API Request", "hangup source")
    run.op("call.hangup", "client.calls.delete(call_uuid)", hangup)
    run.op("call.get", "client.calls.get(call_uuid)",
           lambda: check(client.calls.get(uuid).call_direction == "outbound", "direction"))
    run.op("call.list", "client.calls.list(call_direction=…)",
           lambda: check(uuid in {c.call_uuid for c in client.calls.list(call_direction="outbound", limit=20)}, "listed"))

    def queued_list() -> None:
        to = ["14155565011", "14155565012", "14155565013", "14155565014"]
        state["queued"] = client.calls.create(from_=CALLER, to_="<".join(to), answer_url=app.url("/hold"),
                                              hangup_url=app.url("/hangup-queued")).request_uuid
        check(state["queued"][3] in client.queued_calls.list_ids().calls, "listed")
    run.op("call.queued_list", "client.queued_calls.list_ids()", queued_list)
    run.op("call.queued_get", "client.queued_calls.get(call_uuid)",
           lambda: check(client.queued_calls.get(state["queued"][3]).call_status == "queued", "queued"))

    def cancel() -> None:
        client.calls.cancel(state["queued"][3])
        hits = app.wait_for("/hangup-queued", timeout=10)
        check(any(h.params["CallUUID"] == state["queued"][3] and h.params["CallStatus"] == "cancel" for h in hits), "cancelled")
        for other in state["queued"][:3]:
            until(lambda: other not in client.queued_calls.list_ids().calls)
            try:
                client.calls.delete(other)
            except plivo.exceptions.PlivoRestError:
                pass
    run.op("call.cancel", "client.calls.cancel(request_uuid)", cancel)


def recordings(run: Run) -> None:
    client, state = run.client, run.state
    run.op("recording.list", "client.recordings.list(call_uuid=…)",
           lambda: check(state["recording"] in {r.recording_id for r in client.recordings.list(call_uuid=state["call"])}, "listed"))
    run.op("recording.get", "client.recordings.get(recording_id)",
           lambda: check(client.recordings.get(state["recording"]).call_uuid == state["call"], "call_uuid"))

    def delete() -> None:
        client.recordings.delete(state["recording"])
        not_found(lambda: client.recordings.get(state["recording"]))
    run.op("recording.delete", "client.recordings.delete(recording_id)", delete)


def conferences(run: Run) -> None:
    client, app = run.client, run.app
    room = "Py Room"
    join = plivoxml.ResponseElement()
    join.add(plivoxml.ConferenceElement(room, action=app.url("/left"), callback_url=app.url("/conference-events")))
    for path, reply in (("/join", join.to_string()), ("/left", hold(60)), ("/long.wav", wav(30)),
                        ("/conference-events", ""), ("/conference-hangup", ""), ("/conference-recorded", ""),
                        ("/rooms-hangup", "")):
        app.route(path, reply)
    members: dict[str, str] = {}
    for number in ("14155565201", "14155565202"):
        run.phone(number, [{"ring": 0}])
        members[number] = client.calls.create(from_=CALLER, to_=number, answer_url=app.url("/join"),
                                              hangup_url=app.url("/conference-hangup")).request_uuid
    app.wait_for("/conference-events", 2, timeout=10)
    ids: dict[str, str] = {}
    run.op("conference.list", "client.conferences.list()",
           lambda: check(room in client.conferences.list().conferences, "listed"))

    def get() -> None:
        by_call = {m["call_uuid"]: m["member_id"] for m in client.conferences.get(room).members}
        ids["one"], ids["two"] = by_call[members["14155565201"]], by_call[members["14155565202"]]
    run.op("conference.get", "client.conferences.get(conference_name)", get)

    def member_state(member: str) -> tuple[bool, bool]:
        found = next(m for m in client.conferences.get(room).members if m["member_id"] == member)
        return found["muted"], found["deaf"]

    def change(action: Callable[..., Any], member: str, wanted: tuple[bool, bool]) -> Callable[[], None]:
        return lambda: (action(room, ids[member]), check(member_state(ids[member]) == wanted, f"now {wanted}"))
    run.op("conference.member_mute", "client.conferences.member_mute(name, member_id)",
           change(client.conferences.member_mute, "one", (True, False)))
    run.op("conference.member_unmute", "client.conferences.member_mute_stop(name, member_id)",
           change(client.conferences.member_mute_stop, "one", (False, False)))
    run.op("conference.member_deaf", "client.conferences.member_deaf(name, member_id)",
           change(client.conferences.member_deaf, "two", (False, True)))
    run.op("conference.member_undeaf", "client.conferences.member_deaf_stop(name, member_id)",
           change(client.conferences.member_deaf_stop, "two", (False, False)))
    run.op("conference.member_speak", "client.conferences.member_speak(name, member_id, text)",
           lambda: client.conferences.member_speak(room, ids["two"], "A supervisor is listening."))
    run.op("conference.member_speak_stop", "client.conferences.member_speak_stop(name, member_id)",
           lambda: client.conferences.member_speak_stop(room, ids["two"]))
    run.op("conference.member_play", "client.conferences.member_play(name, 'all', url)",
           lambda: client.conferences.member_play(room, "all", app.url("/long.wav")))
    run.op("conference.member_play_stop", "client.conferences.member_play_stop(name, 'all')",
           lambda: client.conferences.member_play_stop(room, "all"))

    def record() -> None:
        check(client.conferences.record(room, callback_url=app.url("/conference-recorded")).recording_id, "recording_id")
    recording_ops(run, "conference", "name", record, lambda: client.conferences.record_stop(room), "/conference-recorded")

    def kick() -> None:
        client.conferences.member_kick(room, ids["one"])
        check(app.wait_for("/left", timeout=10)[0].params["CallUUID"] == members["14155565201"], "left")
    run.op("conference.member_kick", "client.conferences.member_kick(name, member_id)", kick)

    def member_hangup() -> None:
        client.conferences.member_hangup(room, ids["two"])
        until(lambda: any(h.params["CallUUID"] == members["14155565202"] for h in app.requests_to("/conference-hangup")))
    run.op("conference.member_hangup", "client.conferences.member_hangup(name, member_id)", member_hangup)
    try:
        client.calls.delete(members["14155565201"])
    except plivo.exceptions.PlivoRestError:
        pass

    rooms: dict[str, str] = {}
    for number, name in (("14155565211", "east"), ("14155565212", "west")):
        into = plivoxml.ResponseElement()
        into.add(plivoxml.ConferenceElement(name))
        app.route(f"/join-{name}", into.to_string())
        run.phone(number, [{"ring": 0}])
        rooms[name] = client.calls.create(from_=CALLER, to_=number, answer_url=app.url(f"/join-{name}"),
                                          hangup_url=app.url("/rooms-hangup")).request_uuid
    until(lambda: {"east", "west"} <= set(client.conferences.list().conferences))  # either may start first

    def hung_up(uuid: str) -> bool:
        return any(h.params["CallUUID"] == uuid for h in app.requests_to("/rooms-hangup"))
    run.op("conference.hangup", "client.conferences.delete(name)",
           lambda: (client.conferences.delete("east"), until(lambda: hung_up(rooms["east"]))))
    run.op("conference.hangup_all", "client.conferences.delete_all()",
           lambda: (client.conferences.delete_all(), until(lambda: hung_up(rooms["west"]))))


def xml_builder(run: Run) -> None:
    client, app = run.client, run.app

    def body() -> None:
        response = plivoxml.ResponseElement()
        response.add_speak("Welcome to the Python line.", voice="WOMAN", language="en-US")
        response.add_play(app.url("/beep.wav"))
        response.add_dtmf("12")
        get_input = plivoxml.GetInputElement(action=app.url("/input"), input_type="dtmf", num_digits=1)
        get_input.add_speak("Press a key.")
        response.add(get_input)
        response.add_hangup()
        thanks = plivoxml.ResponseElement()
        thanks.add_speak("Thanks.")
        for path, reply in (("/xml-answer", response.to_string()), ("/input", thanks.to_string()), ("/xml-hangup", "")):
            app.route(path, reply)
        run.phone("14155565301", [{"ring": 0}, {"wait": 10}, {"press": "7"}])
        uuid = client.calls.create(from_=CALLER, to_="14155565301", answer_url=app.url("/xml-answer"),
                                   hangup_url=app.url("/xml-hangup")).request_uuid
        [hangup] = run.fast_forward(lambda: app.requests_to("/xml-hangup"))
        check(hangup.params["CallUUID"] == uuid, "the call ended")
        check([hit.params.get("Digits") for hit in app.requests_to("/input")] == ["7"], "GetInput action got the digit")
        log = run.phone_log("14155565301")
        check(any(e["kind"] == "heard_speech" and e["text"] == "Welcome to the Python line." for e in log), "Speak heard")
        check(any(e["kind"] == "heard_audio" for e in log), "Play heard")
        check(any(e["kind"] == "received_digits" and e["digits"] == "12" for e in log), "DTMF received")
    run.op("xml.response", "plivoxml.ResponseElement() … to_string()", body)

    def dial() -> None:
        response = plivoxml.ResponseElement()
        response.add(plivoxml.DialElement(action=app.url("/dial-action")).add_number("14155565402"))
        app.route("/dial-answer", response.to_string())
        app.route("/dial-action", plivoxml.ResponseElement().to_string())
        run.phone("14155565401", [{"ring": 0}])
        run.phone("14155565402", [{"ring": 1}, {"wait": 2}, {"hangup": True}])
        client.calls.create(from_=CALLER, to_="14155565401", answer_url=app.url("/dial-answer"))
        [action] = run.fast_forward(lambda: app.requests_to("/dial-action"))
        check(action.params["DialStatus"] == "completed" and action.params["DialBLegUUID"], str(action.params))
    run.op("xml.dial", "plivoxml.DialElement(action=…).add_number(number)", dial)

    def record() -> None:
        response = plivoxml.ResponseElement()
        response.add_speak("Leave a message after the beep.")
        response.add_record(action=app.url("/record-action"), max_length=3, play_beep=True)
        app.route("/record-answer", response.to_string())
        app.route("/record-action", plivoxml.ResponseElement().to_string())
        run.phone("14155565501", [{"ring": 0}, {"wait": 4}, {"say": "call me back"}])
        client.calls.create(from_=CALLER, to_="14155565501", answer_url=app.url("/record-answer"))
        [action] = run.fast_forward(lambda: app.requests_to("/record-action"))
        check(action.params["RecordUrl"] and int(action.params["RecordingDuration"]) > 0, str(action.params))
    run.op("xml.record", "plivoxml.ResponseElement().add_record(action=…, max_length=…)", record)


def signatures(run: Run) -> None:
    def body() -> None:
        signed = [hit for hit in run.app.hits if hit.method == "POST" and "X-Plivo-Signature-V3" in hit.headers]
        check(len(signed) > 5, f"{len(signed)} signed requests")
        for hit in signed:
            url, nonce, signature = run.app.url(hit.path), hit.headers["X-Plivo-Signature-V3-Nonce"], hit.headers["X-Plivo-Signature-V3"]
            check(validate_v3_signature("POST", url, nonce, run.auth_token, signature, hit.params), f"{hit.path} not valid")
            check(not validate_v3_signature("POST", url, nonce, "wrong-token", signature, hit.params), "a wrong token is refused")
    run.op("webhook.validate_v3_signature", "plivo.utils.validate_v3_signature(method, uri, nonce, token, signature, params)", body)


def run_conformance(base_url: str, auth_id: str, auth_token: str, work_dir: Path) -> list[Result]:
    """Run every operation in order and return one result per operation."""
    run = Run(base_url, auth_id, auth_token, work_dir)
    try:
        for group in (accounts, applications, endpoints, numbers, pricing_and_lookup, messaging, calls, recordings,
                      conferences, xml_builder, signatures):
            group(run)
    finally:
        run.close()
    return run.results
