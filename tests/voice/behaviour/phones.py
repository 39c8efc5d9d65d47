"""The phones of the behaviour suite, one interface on two networks.

A phone is an endpoint of the test's account, given a script when it is made (the simulator's
steps: ``ring``, ``reject`` (``busy``, ``no-answer``), ``machine``, ``wait``, ``press``, ``say``,
``hangup``). On the simulated network it is a simulated phone; on SIP it is baresip registered as
that endpoint: it answers (after ``ring`` seconds), runs the script from the moment the call is up
(``press`` as RFC 4733 digits, ``hangup`` as BYE), and its microphone carries the ``say`` steps'
speech (eSpeak NG; a ``machine`` says the simulator's greeting, then beeps) at their place in the
script and, between them, a *hum*: a tone of the phone's own frequency that stands for its voice,
so another party can tell it heard this phone (the simulator's ``heard_voice``)."""

import threading
import time
import wave
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from tests.helpers import LiveServer, MainAccount, RecordingClient
from tests.network.sip.peers import Baresip
from tests.voice.behaviour.heard import Heard, from_audio, from_sim_log, read_wav
from tests.voice.conftest import Sim, clock_auto
from tests.voice.customer_app import CustomerApp

PASSWORD = "behaviour-pass"
HUMS = (440, 500, 580, 660)  # away from the DTMF rows and columns and the 800 Hz beep
BEEP = 800
DIGIT_SECONDS = 0.3  # per key: RFC 4733 event then a gap (the simulator uses 0.2)
Script = list[dict[str, Any]]
GREETING = "Hello, you have reached voicemail. Please leave a message after the tone."  # the simulator's


class Phone(ABC):
    def __init__(self, username: str, uri: str, hum: int, script: Script):
        self.username, self.uri, self.hum, self.script = username, uri, hum, script

    @abstractmethod
    def call(self, to: str) -> None:
        """Call ``to`` (a number, or another endpoint's SIP URI) through the platform; the script
        runs once the platform answers."""

    @abstractmethod
    def wait_ended(self, calls: int = 1, timeout: float = 40.0) -> None:
        """Until ``calls`` calls of this phone have ended."""

    @abstractmethod
    def heard(self, *phrases: str) -> Heard:
        """What the phone heard on its calls so far (call :meth:`wait_ended` first). On SIP the
        speech is recognised only when ``phrases`` are given: the prompts it may have heard."""

    def stop(self) -> None:
        pass


class Network(ABC):
    """A test's account on one network: its SDK, the customer application, and phones."""

    name: str

    def __init__(self, server: LiveServer, account: MainAccount, customer: CustomerApp, directory: Path):
        self.server, self.account, self.customer, self.directory = server, account, customer, directory
        self.sdk = RecordingClient(server.base_url, account.auth_id, account.auth_token)
        self.http = server.http(account)
        self.phones: list[Phone] = []
        self.tone_files: dict[str, int] = {}
        self.endpoint_ids: dict[str, str] = {}

    def app(self, answer: Any, **routes: Any) -> str:
        """An application whose answer URL serves ``answer`` (``routes``: more paths, by name)."""
        self.customer.route("/answer", answer)
        self.customer.route("/hangup", "")
        for name, reply in routes.items():
            self.customer.route(f"/{name}", reply)
        created = self.sdk.applications.create(app_name=f"behaviour{time.monotonic_ns()}",
                                               answer_url=self.customer.url("/answer"),
                                               hangup_url=self.customer.url("/hangup"))
        return created.app_id

    def tone_url(self, frequency: int, seconds: float) -> str:
        """A WAV file of one tone served by the customer application (for ``<Play>``)."""
        from tests.network.sip.peers import write_tone

        path = self.directory / f"tone-{frequency}.wav"
        write_tone(path, frequency, seconds)
        self.customer.route(f"/tone-{frequency}.wav", (200, path.read_bytes()))
        url = self.customer.url(f"/tone-{frequency}.wav")
        self.tone_files[url] = frequency
        return url

    def endpoint(self, app_id: str | None) -> tuple[str, str]:
        created = self.sdk.endpoints.create(username="phone", password=PASSWORD, alias="behaviour",
                                            **({"app_id": app_id} if app_id else {}))
        self.endpoint_ids[created.username] = created.endpoint_id
        return created.username, self.sdk.endpoints.get(created.endpoint_id).sip_uri

    def phone(self, script: Script | None = None, app_id: str | None = None, hum: bool = True) -> Phone:
        """A phone (an endpoint running ``app_id`` when it calls); ``hum=False`` keeps a SIP phone's
        microphone silent between its ``say`` steps (for speech input, where a hum would be speech)."""
        username, uri = self.endpoint(app_id)
        phone = self._make(username, uri, HUMS[len(self.phones)], script or [], hum)
        self.phones.append(phone)
        return phone

    @abstractmethod
    def _make(self, username: str, uri: str, hum: int, script: Script, hum_on: bool) -> Phone: ...

    def api_call(self, phone: Phone, **params: Any) -> str:
        """``POST Call/`` to ``phone``; the answer URL is the customer application's ``/answer``."""
        response = self.sdk.calls.create(from_="14155550100", to_=phone.uri, answer_url=self.customer.url("/answer"),
                                         hangup_url=self.customer.url("/hangup"), **params)
        return response.request_uuid

    @contextmanager
    def real_time(self) -> Iterator[None]:
        """While the test acts on calls that are up (a virtual clock would run their scripts ahead)."""
        yield

    def record(self, call_uuid: str, timeout: float = 30.0) -> dict[str, Any]:
        return Sim(self.server, self.account).record(call_uuid, timeout)

    def stop(self) -> None:
        for phone in self.phones:
            phone.stop()
        self.http.close()


class SimPhone(Phone):
    def __init__(self, net: "SimNetwork", username: str, uri: str, hum: int, script: Script):
        super().__init__(username, uri, hum, script)
        self.net, self.address = net, f"endpoint:{username}"
        response = net.http.post("/_sim/phones", json={"endpoint": username, "script": script})
        assert response.status_code == 201, response.text

    def call(self, to: str) -> None:
        self.net.sim.call(self.address, to, self.script)

    def log(self) -> list[dict[str, Any]]:
        return self.net.sim.log(self.address)

    def wait_ended(self, calls: int = 1, timeout: float = 40.0) -> None:
        deadline = time.monotonic() + timeout
        while sum(1 for e in self.log() if e["kind"] == "call" and e.get("state") in ("ended", "missed")) < calls:
            assert time.monotonic() < deadline, f"{self.address}: {calls} call(s) did not end: {self.log()}"
            time.sleep(0.05)

    def heard(self, *phrases: str) -> Heard:
        voices = {phone.address: phone.hum for phone in self.net.phones if isinstance(phone, SimPhone)}
        return from_sim_log(self.log(), voices, self.net.tone_files)


class SimNetwork(Network):
    name = "sim"

    def __init__(self, *args: Any):
        super().__init__(*args)
        self.sim = Sim(self.server, self.account)

    def _make(self, username: str, uri: str, hum: int, script: Script, hum_on: bool) -> Phone:
        return SimPhone(self, username, uri, hum, script)

    @contextmanager
    def real_time(self) -> Iterator[None]:
        clock_auto(self.server, False)
        try:
            yield
        finally:
            clock_auto(self.server, True)

    def stop(self) -> None:
        super().stop()
        self.sim.http.close()


def microphone(path: Path, script: Script, hum: int | None) -> None:
    """The WAV baresip sends as its microphone: the script's speech at its offsets from the answer,
    the hum (or silence) elsewhere; 120 s long, since baresip hangs up when the file ends."""
    total = 120 * 8000
    audio = (8000 * np.sin(2 * np.pi * (hum or 0) * np.arange(total) / 8000)).astype(np.int16)
    offset = 0.0
    for step in script:
        if "say" in step or "machine" in step:
            speech = np.frombuffer(_speech(step), dtype=np.int16)
            start = int(offset * 8000)
            audio[start:start + len(speech)] = speech[: total - start]
            audio[start + len(speech):start + len(speech) + 4000] = 0  # a half second of silence after it
            offset += len(speech) / 8000 + 0.5
        else:
            offset += step_seconds(step)
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(audio.tobytes())


def step_seconds(step: dict[str, Any]) -> float:
    if "wait" in step:
        return float(step["wait"])
    if "press" in step:
        return sum(0.5 if key == "w" else 1.0 if key == "W" else DIGIT_SECONDS for key in step["press"])
    return 0.0


class SipPhone(Phone):
    def __init__(self, net: "SipNetwork", username: str, uri: str, hum: int, script: Script, hum_on: bool):
        super().__init__(username, uri, hum, script)
        self.net, self.directory = net, net.directory / username
        self.directory.mkdir(parents=True)
        mic = self.directory / "microphone.wav"
        microphone(mic, script, hum if hum_on else None)
        refusals = {step["reject"] for step in script if "reject" in step}
        assert refusals <= {"busy", "no-answer"}, f"a baresip phone refuses only as busy or no-answer: {refusals}"
        manual = any("ring" in step or "reject" in step for step in script)
        for attempt in range(3):  # a port picked free may be taken by another process before baresip binds it
            self.baresip = Baresip(self.directory, net.server.sip_port, username, PASSWORD,  # type: ignore[attr-defined]
                                   answermode="manual" if manual else "auto", microphone=mic)
            try:
                self.baresip.listen()
                break
            except RuntimeError:
                if self.baresip.process.poll() is None or attempt == 2:
                    raise
        deadline = time.monotonic() + 15
        while net.sdk.endpoints.get(net.endpoint_ids[username]).sip_registered != "true":
            assert time.monotonic() < deadline, f"baresip did not register as {username}"
            time.sleep(0.1)
        self.errors: list[BaseException] = []
        self._runner = threading.Thread(target=self._run, daemon=True)
        self._runner.start()

    def _run(self) -> None:
        """Play the script on the first call: answer or refuse it, then press and hang up in time."""
        try:
            steps, ringing = list(self.script), False
            while steps and ("ring" in steps[0] or "reject" in steps[0]):
                step = steps.pop(0)
                if not ringing:
                    self.baresip.wait_event("CALL_INCOMING", timeout=120)
                    ringing = True
                if step.get("reject") == "no-answer":
                    return  # rings until the platform gives up (CANCEL)
                if "reject" in step:
                    self.baresip.command("hangup")  # 486 Busy Here while ringing
                    return
                time.sleep(float(step["ring"]))
            if ringing:
                self.baresip.command("accept")
            self.baresip.wait_event("CALL_ESTABLISHED", timeout=120)
            for step in steps:
                if "press" in step:
                    for key in step["press"]:
                        if key not in "wW":
                            self.baresip.command("sndcode", key)
                        time.sleep(step_seconds({"press": key}))
                elif "say" in step or "machine" in step:
                    speech = len(np.frombuffer(_speech(step), dtype=np.int16)) / 8000
                    time.sleep(speech + 0.5)
                elif "hangup" in step:
                    self.baresip.command("hangup")
                    return
                else:
                    time.sleep(step_seconds(step))
        except BaseException as error:  # noqa: BLE001 (reported by heard())
            self.errors.append(error)

    def call(self, to: str) -> None:
        user = to[4:].split("@")[0] if to.startswith("sip:") else to
        self.baresip.command("dial", f"sip:{user}@127.0.0.1:{self.net.server.sip_port}")  # type: ignore[attr-defined]

    def wait_ended(self, calls: int = 1, timeout: float = 40.0) -> None:
        self.baresip.wait_event("CALL_CLOSED", calls, timeout)

    def heard(self, *phrases: str) -> Heard:
        assert not self.errors, self.errors
        time.sleep(0.3)  # baresip finishes its WAV dump as the call closes
        dumps = sorted(self.baresip.heard())
        pcm = np.concatenate([read_wav(path) for path in dumps]) if dumps else np.zeros(0, dtype=np.int16)
        digits = "".join(str(event.get("param", "")) for event in self.baresip.events
                         if event.get("type") == "CALL_DTMF_START")
        frequencies = sorted({*HUMS, BEEP, *self.net.tone_files.values()})
        return from_audio(pcm, frequencies, digits, phrases)

    def stop(self) -> None:
        self.baresip.stop()


def _speech(step: dict[str, Any]) -> bytes:
    """What a ``say`` step says; for a ``machine`` step, its greeting and then a 1 kHz beep."""
    from switchboard.media.tts import synthesize

    if "machine" in step:
        greeting = synthesize(step.get("greeting", GREETING))
        beep = (8000 * np.sin(2 * np.pi * 1000 * np.arange(4000) / 8000)).astype(np.int16)
        return greeting + bytes(4000) + beep.tobytes()
    return synthesize(step["say"], language=step.get("language", "en-US"))


class SipNetwork(Network):
    name = "sip"

    def _make(self, username: str, uri: str, hum: int, script: Script, hum_on: bool) -> Phone:
        return SipPhone(self, username, uri, hum, script, hum_on)
