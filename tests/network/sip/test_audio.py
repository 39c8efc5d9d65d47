"""Real audio through bridges, rooms and recorders on SIP legs: baresip phones, each sending a tone
of its own frequency, talk through ``<Dial>`` and ``<Conference>``, and are recorded. The checks
look at which frequencies each side heard (and for how long), not only at whether audio flowed."""

import io
import subprocess
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from switchboard.network.rtp import codec

from tests.helpers import LiveServer, MainAccount, RecordingClient, free_port
from tests.network.sip.conftest import finished, sipp_uas
from tests.network.sip.peers import Baresip, echo_trunk, tone_seconds, wav_samples, write_rtp_pcap, write_tone
from tests.network.sip.test_registrar import PASSWORD, wait_until
from tests.voice.customer_app import CustomerApp

pytestmark = pytest.mark.one_backend  # the audio path: the call records and rooms it touches run on both databases in the sim and SIP-signalling tests

BEEP = 700  # the conference's beep:1 (voice/prompts.py)


class Phones:
    """Registered baresip endpoints, stopped at the end of the test."""

    def __init__(self, server: LiveServer, sdk: RecordingClient, directory: Path):
        self.server, self.sdk, self.directory = server, sdk, directory
        self.started: list[Baresip] = []

    def add(self, name: str, frequency: float, app_id: str | None = None) -> tuple[Baresip, str]:
        created = self.sdk.endpoints.create(username=name, password=PASSWORD, alias=name,
                                            **({"app_id": app_id} if app_id else {}))
        phone = Baresip(self.directory / name, self.server.sip_port, created.username, PASSWORD,  # type: ignore[attr-defined]
                        frequency=frequency)
        self.started.append(phone)
        if not wait_until(lambda: self.sdk.endpoints.get(created.endpoint_id).sip_registered == "true"):
            raise AssertionError(f"{name} did not register; baresip said: {phone.stop()[-2000:]}")
        return phone, created.username

    def stop(self) -> None:
        for phone in self.started:
            phone.stop()

    def join(self, customer: CustomerApp, members: list[tuple[str, float, str]], entered: str) -> list[tuple[Baresip, str]]:
        """API calls to new phones (name, tone, answer path), one after the other once the last one
        entered (its ``entered`` callback came): the phones and their call uuids."""
        calls = []
        for name, frequency, path in members:
            phone, user = self.add(name, frequency)
            created = self.sdk.calls.create(from_="14155550100", to_=f"sip:{user}@127.0.0.1",
                                            answer_url=customer.url(path), hangup_url=customer.url("/hangup"))
            calls.append((phone, created.request_uuid))
            customer.wait_for(entered, count=len(calls), timeout=20)
        return calls

    def hang_up(self, customer: CustomerApp, calls: list[tuple[Baresip, str]]) -> list[Path]:
        """End the calls and the phones: what each phone heard."""
        ended = len(customer.requests_to("/hangup"))
        for _, call_uuid in calls:
            self.sdk.calls.delete(call_uuid)
        customer.wait_for("/hangup", count=ended + len(calls), timeout=20)
        time.sleep(1.0)
        self.stop()
        return [heard(phone) for phone, _ in calls]


@pytest.fixture
def phones(sip_server: LiveServer, sip_sdk: RecordingClient, tmp_path: Path) -> Iterator[Phones]:
    group = Phones(sip_server, sip_sdk, tmp_path)
    try:
        yield group
    finally:
        group.stop()


def heard(phone: Baresip) -> Path:
    dumps = phone.heard()
    assert dumps, "baresip dumped no received audio"
    return max(dumps, key=lambda path: path.stat().st_size)


def download(server: LiveServer, account: MainAccount, url: str) -> bytes:
    with server.http(account) as http:
        response = http.get(url)
    assert response.status_code == 200, response.text
    return response.content


def test_dial_bridges_two_softphones_and_each_hears_the_others_tone(
    sip_server: LiveServer, sip_sdk: RecordingClient, customer: CustomerApp, phones: Phones
) -> None:
    app = sip_sdk.applications.create(app_name="desk", answer_url=customer.url("/answer"), hangup_url=customer.url("/hangup"))
    caller, _ = phones.add("alice", 500, app.app_id)
    callee, callee_user = phones.add("bob", 1000)
    customer.route("/answer", f'<Response><Dial timeLimit="4"><User>sip:{callee_user}@127.0.0.1</User></Dial></Response>')
    customer.route("/hangup", "")
    caller.command("dial", f"sip:14155550123@127.0.0.1:{sip_server.sip_port}")  # type: ignore[attr-defined]
    hangup = customer.wait_for("/hangup", timeout=30)[0].params
    assert hangup["HangupCause"] == "NORMAL_CLEARING" and int(hangup["Duration"]) >= 4
    time.sleep(1.0)
    phones.stop()
    to_caller, to_callee = heard(caller), heard(callee)
    assert tone_seconds(to_caller, 1000) >= 2.5, "the caller did not hear the callee's tone"
    assert tone_seconds(to_callee, 500) >= 2.5, "the callee did not hear the caller's tone"
    assert tone_seconds(to_caller, 500, share=0.1) == 0.0, "the caller heard its own tone back"
    assert tone_seconds(to_callee, 1000, share=0.1) == 0.0, "the callee heard its own tone back"


def test_a_conference_mixes_the_others_leaves_out_a_muted_member_and_plays_the_enter_beep(
    sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount, customer: CustomerApp, phones: Phones
) -> None:
    room = '<Response><Conference enterSound="beep:1" record="true" recordFileFormat="wav" callbackUrl="{cb}"{extra}>audio</Conference></Response>'
    customer.route("/speaker", room.format(cb=customer.url("/room"), extra=""))
    customer.route("/muted", room.format(cb=customer.url("/room"), extra=' muted="true"'))
    customer.route("/room", "")
    customer.route("/hangup", "")
    members = [("ann", 500, "/speaker"), ("ben", 1000, "/speaker"), ("cat", 1500, "/muted")]
    calls = phones.join(customer, members, "/room")  # one at a time: the enter beeps stay apart
    time.sleep(4.0)
    ann, ben, cat = phones.hang_up(customer, calls)
    assert tone_seconds(ann, 1000, share=0.3) >= 3.0 and tone_seconds(ben, 500, share=0.3) >= 3.0
    assert tone_seconds(cat, 500, share=0.3) >= 3.0 and tone_seconds(cat, 1000, share=0.3) >= 3.0
    for dump in (ann, ben, cat):
        assert tone_seconds(dump, 1500, share=0.05) == 0.0, "the muted member was heard"
    assert tone_seconds(ann, BEEP, share=0.2) >= 0.1, "the first member did not hear the others enter"
    assert tone_seconds(ann, 500, share=0.05) == 0.0 and tone_seconds(ben, 1000, share=0.05) == 0.0
    recorded = wait_until(lambda: [hit.params for hit in customer.requests_to("/room")
                                   if hit.params.get("ConferenceAction") == "record"])
    assert recorded, "the room's recording was not reported"
    audio = download(sip_server, sip_account, recorded[0]["RecordUrl"])
    assert tone_seconds(audio, 500, share=0.2) >= 2.0 and tone_seconds(audio, 1000, share=0.2) >= 2.0
    assert tone_seconds(audio, 1500, share=0.05) == 0.0


def test_record_on_a_sip_call_writes_the_callers_tone_for_max_length(
    sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount, customer: CustomerApp, phones: Phones
) -> None:
    phone, user = phones.add("dan", 600)
    customer.route("/answer", f'<Response><Record maxLength="3" playBeep="false" fileFormat="wav" '
                              f'action="{customer.url("/recorded")}"/></Response>')
    customer.route("/recorded", "")
    customer.route("/hangup", "")
    sip_sdk.calls.create(from_="14155550100", to_=f"sip:{user}@127.0.0.1", answer_url=customer.url("/answer"),
                         hangup_url=customer.url("/hangup"))
    action = customer.wait_for("/recorded", timeout=30)[0].params
    data = download(sip_server, sip_account, action["RecordUrl"])
    samples, rate = wav_samples(data)
    assert rate == 8000 and abs(len(samples) / rate - 3.0) < 0.1
    assert tone_seconds(data, 600) >= 2.7, "the recording does not carry the caller's tone throughout"


def test_a_softphone_bridged_to_a_simulated_phone_hears_its_speech_and_relays_its_keys(
    sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount, customer: CustomerApp, phones: Phones
) -> None:
    number = "14155550177"
    script = [{"ring": 0.5}, {"wait": 1.0}, {"say": "hello from the simulated network, can you hear me"}, {"wait": 6.0}]
    with sip_server.http(sip_account) as http:
        assert http.post("/_sim/phones", json={"number": number, "script": script}).status_code == 201
    app = sip_sdk.applications.create(app_name="desk", answer_url=customer.url("/answer"), hangup_url=customer.url("/hangup"))
    caller, _ = phones.add("eve", 500, app.app_id)
    customer.route("/answer", f'<Response><Dial timeLimit="6"><Number>{number}</Number></Dial></Response>')
    customer.route("/hangup", "")
    caller.command("dial", f"sip:14155550124@127.0.0.1:{sip_server.sip_port}")  # type: ignore[attr-defined]
    time.sleep(4.0)
    caller.command("sndcode", "7")
    customer.wait_for("/hangup", timeout=30)
    time.sleep(1.0)
    phones.stop()
    with sip_server.http(sip_account) as http:
        log = http.get(f"/_sim/phones/{number}").json()["log"]
    assert [e["digits"] for e in log if e["kind"] == "heard_digits"] == ["7"]
    samples, rate = wav_samples(heard(caller))
    speech = [samples[i:i + rate // 10] for i in range(0, len(samples) - rate // 10, rate // 10)]
    loud = sum(1 for chunk in speech if float((chunk ** 2).mean()) ** 0.5 > 300)
    assert loud >= 10, "the softphone did not hear the simulated phone's speech"


def test_a_deafened_member_stops_hearing_the_room_but_is_still_heard(
    sip_server: LiveServer, sip_sdk: RecordingClient, customer: CustomerApp, phones: Phones
) -> None:
    customer.route("/room", '<Response><Conference callbackUrl="{cb}">deaf</Conference></Response>'.replace(
        "{cb}", customer.url("/events")))
    customer.route("/events", "")
    customer.route("/hangup", "")
    calls = phones.join(customer, [("fay", 500, "/room"), ("gus", 1000, "/room")], "/events")
    time.sleep(2.0)
    gus_member = [hit.params for hit in customer.requests_to("/events")][1]["ConferenceMemberID"]
    sip_sdk.conferences.member_deaf("deaf", gus_member)
    time.sleep(3.0)
    fay, gus = phones.hang_up(customer, calls)
    assert tone_seconds(gus, 500, end=-3.0) >= 1.0, "before deafness the member heard the room"
    assert tone_seconds(gus, 500, share=0.05, start=-2.5) == 0.0, "the deaf member still hears the room"
    assert tone_seconds(fay, 1000, start=-2.5) >= 2.0, "the deaf member is no longer heard"


def channel(data: bytes, index: int) -> bytes:
    """One channel of a stereo WAV file, as a mono WAV file."""
    with wave.open(io.BytesIO(data)) as reader:
        assert reader.getnchannels() == 2
        frames = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")[index::2]
        rate = reader.getframerate()
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(frames.tobytes())
    return out.getvalue()


def test_record_session_across_a_dial_puts_the_caller_left_and_the_callee_right(
    sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount, customer: CustomerApp, phones: Phones
) -> None:
    app = sip_sdk.applications.create(app_name="desk", answer_url=customer.url("/answer"), hangup_url=customer.url("/hangup"))
    caller, _ = phones.add("hal", 500, app.app_id)
    _, callee_user = phones.add("ida", 1000)
    customer.route("/answer", f'<Response><Record recordSession="true" recordChannelType="stereo" fileFormat="wav" '
                              f'redirect="false" action="{customer.url("/started")}" callbackUrl="{customer.url("/done")}"/>'
                              f'<Dial timeLimit="4"><User>sip:{callee_user}@127.0.0.1</User></Dial></Response>')
    for path in ("/started", "/done", "/hangup"):
        customer.route(path, "")
    caller.command("dial", f"sip:14155550125@127.0.0.1:{sip_server.sip_port}")  # type: ignore[attr-defined]
    done = customer.wait_for("/done", timeout=40)[0].params
    data = download(sip_server, sip_account, done["RecordUrl"])
    left, right = channel(data, 0), channel(data, 1)
    assert tone_seconds(left, 500) >= 3.0 and tone_seconds(left, 1000, share=0.05) == 0.0
    assert tone_seconds(right, 1000) >= 3.0 and tone_seconds(right, 500, share=0.05) == 0.0
    samples, rate = wav_samples(right)
    loudest = max(float(np.sqrt(np.mean(samples[i:i + rate // 2] ** 2))) for i in range(0, len(samples) - rate // 2, rate // 2))
    assert loudest < 7000, "the callee is in the recording twice (through the leg and the bridge)"


def dial_through_trunk(sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount,
                       customer: CustomerApp, phones: Phones, trunk: "subprocess.Popen[str]", port: int) -> Path:
    """A softphone (500 Hz) calls in and is dialled out for 5 s through the outgoing carrier at
    ``port`` (``trunk``, a sipp UAS); what the softphone heard."""
    with sip_server.http(sip_account) as http:
        assert http.post(f"/v1/Account/{sip_account.auth_id}/OutgoingCarrier/",
                         json={"name": "trunk", "address": f"127.0.0.1:{port}"}).status_code == 201
    app = sip_sdk.applications.create(app_name="desk", answer_url=customer.url("/answer"), hangup_url=customer.url("/hangup"))
    caller, _ = phones.add("jon", 500, app.app_id)
    customer.route("/answer", '<Response><Dial timeLimit="5"><Number>442071234567</Number></Dial></Response>')
    customer.route("/hangup", "")
    caller.command("dial", f"sip:14155550126@127.0.0.1:{sip_server.sip_port}")  # type: ignore[attr-defined]
    customer.wait_for("/hangup", timeout=30)
    code, output = finished(trunk)
    assert code == 0, output
    time.sleep(1.0)
    phones.stop()
    return heard(caller)


def test_dial_through_a_carrier_trunk_carries_audio_both_ways(
    sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount, customer: CustomerApp, phones: Phones
) -> None:
    port = free_port()
    trunk = echo_trunk(port)
    time.sleep(0.5)
    dump = dial_through_trunk(sip_server, sip_sdk, sip_account, customer, phones, trunk, port)
    assert tone_seconds(dump, 500) >= 3.5, "the caller's audio did not go to the trunk and back"


def test_the_record_api_on_a_sip_call_keeps_the_caller_left_and_the_prompt_right(
    sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount, customer: CustomerApp, phones: Phones
) -> None:
    _, user = phones.add("kim", 600)
    customer.route("/answer", '<Response><Wait length="1"/><Speak>This prompt is recorded on the platform side of '
                              'the call, while the phone keeps sending its tone.</Speak><Wait length="10"/></Response>')
    customer.route("/hangup", "")
    sip_sdk.calls.create(from_="14155550100", to_=f"sip:{user}@127.0.0.1", answer_url=customer.url("/answer"),
                         hangup_url=customer.url("/hangup"))
    call_uuid = customer.wait_for("/answer", timeout=20)[0].params["CallUUID"]
    started = sip_sdk.calls.record(call_uuid, file_format="wav", record_channel_type="stereo")
    time.sleep(5.0)
    sip_sdk.calls.record_stop(call_uuid)
    sip_sdk.calls.delete(call_uuid)
    customer.wait_for("/hangup", timeout=20)
    data = wait_until(lambda: _fetch(sip_server, sip_account, started.url))
    assert data, "the recording was not stored"
    left, right = channel(data, 0), channel(data, 1)
    assert tone_seconds(left, 600) >= 4.0, "the caller's tone is not on the left"
    assert tone_seconds(right, 600) == 0.0, "the caller leaked onto the platform's channel"
    samples, rate = wav_samples(right)
    spoken = sum(1 for i in range(0, len(samples) - rate // 10, rate // 10)
                 if float(np.sqrt(np.mean(samples[i:i + rate // 10] ** 2))) > 300)
    assert spoken >= 15, "the prompt the platform played is not on the right"


def _fetch(server: LiveServer, account: MainAccount, url: str) -> bytes | None:
    with server.http(account) as http:
        response = http.get(url)
    return response.content if response.status_code == 200 else None


def test_a_trunk_sending_30_ms_packets_is_heard_whole_through_a_dial(
    sip_server: LiveServer, sip_sdk: RecordingClient, sip_account: MainAccount, customer: CustomerApp, phones: Phones,
    tmp_path: Path
) -> None:
    """The carrier packs 30 ms per packet (our SDP asks for 20): its audio is cut into 20 ms frames
    before it is mixed, not dropped and not a broken mix."""
    capture = tmp_path / "tone30.pcap"
    write_rtp_pcap(capture, codec.tone(1000, 8.0), ptime_ms=30)
    port = free_port()
    trunk = sipp_uas("uas_play.xml", port, pcap=str(capture))
    time.sleep(0.5)
    dump = dial_through_trunk(sip_server, sip_sdk, sip_account, customer, phones, trunk, port)
    assert tone_seconds(dump, 1000, share=0.9) >= 3.5, "the trunk's 30 ms packets were not heard whole"


def test_play_to_one_conference_member_is_heard_by_that_member_only(
    sip_server: LiveServer, sip_sdk: RecordingClient, customer: CustomerApp, phones: Phones, tmp_path: Path
) -> None:
    write_tone(tmp_path / "notice.wav", 2000, 3.0)
    customer.route("/notice.wav", (tmp_path / "notice.wav").read_bytes())
    customer.route("/room", f'<Response><Conference callbackUrl="{customer.url("/events")}">play</Conference></Response>')
    customer.route("/events", "")
    customer.route("/hangup", "")
    calls = phones.join(customer, [("max", 500, "/room"), ("ned", 1000, "/room")], "/events")
    max_member = customer.requests_to("/events")[0].params["ConferenceMemberID"]
    time.sleep(1.0)
    sip_sdk.conferences.member_play("play", max_member, customer.url("/notice.wav"))
    time.sleep(4.0)
    max_heard, ned_heard = phones.hang_up(customer, calls)
    assert tone_seconds(max_heard, 2000, share=0.3) >= 2.5, "the member did not hear the file over the room"
    assert tone_seconds(max_heard, 1000, share=0.3) >= 4.0, "the file drowned the room"
    assert tone_seconds(ned_heard, 2000, share=0.05) == 0.0, "the other member heard a file meant for one member"


def test_a_member_whose_phone_vanishes_leaves_the_room_and_the_others_keep_talking(
    sip_server: LiveServer, sip_sdk: RecordingClient, customer: CustomerApp, phones: Phones
) -> None:
    customer.route("/room", f'<Response><Conference callbackUrl="{customer.url("/events")}">vanish</Conference></Response>')
    customer.route("/events", "")
    customer.route("/hangup", "")
    calls = phones.join(customer, [("oli", 500, "/room"), ("pam", 1000, "/room"), ("quin", 1500, "/room")], "/events")
    time.sleep(2.0)
    gone, _ = calls[2]
    gone.process.kill()  # no BYE: its RTP just stops
    hangup = customer.wait_for("/hangup", timeout=20)[0].params
    assert hangup["HangupCause"] == "MEDIA_TIMEOUT" and hangup["To"].startswith("sip:quin")
    assert wait_until(lambda: any(hit.params.get("ConferenceAction") == "exit" for hit in customer.requests_to("/events")))
    time.sleep(3.0)
    oli, pam = phones.hang_up(customer, calls[:2])
    assert tone_seconds(oli, 1000, share=0.3, start=-3.0) >= 2.5 and tone_seconds(pam, 500, share=0.3, start=-3.0) >= 2.5
    assert tone_seconds(oli, 1500, share=0.05, start=-3.0) == 0.0
