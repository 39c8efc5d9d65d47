"""Real SIP peers for tests: baresip (a softphone registering as an endpoint) and a tiny raw UDP
client for the registrar's bad-input cases (malformed or hostile requests no real phone sends)."""

import glob
import io
import json
import os
import re
import socket
import subprocess
import threading
import time
import wave
from pathlib import Path

import numpy as np

from switchboard.endpoints.digest import expected_response
from tests.helpers import free_port
from tests.network.sip.conftest import SCENARIOS, need


class Baresip:
    """baresip 1.0, headless: registers ``username`` at the server, auto-answers, sends a tone
    (440 Hz unless told) as its microphone, dumps what it hears to WAV, and takes commands on ctrl_tcp."""

    def __init__(self, directory: Path, sip_port: int, username: str, password: str, regint: int = 60,
                 frequency: float = 440, answermode: str = "auto", microphone: Path | None = None):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        if microphone is None:  # a tone; baresip hangs up when its microphone file ends
            microphone = directory / "tone.wav"
            write_tone(microphone, frequency, 120.0)
        self.microphone = microphone
        self.events: list[dict[str, object]] = []
        self._link: socket.socket | None = None
        self._changed = threading.Condition()
        (directory / "accounts").write_text(
            f"<sip:{username}@127.0.0.1:{sip_port}>;auth_pass={password};answermode={answermode};"
            f"audio_codecs=PCMU,PCMA;regint={regint}\n")
        said = ""
        for _ in range(5):  # a free port can be taken by another process before baresip binds it
            self.process = self._start()
            if self._ready():
                return
            said = self.stop()
        raise RuntimeError(f"baresip did not start: {said[-2000:]}")

    def _start(self) -> "subprocess.Popen[str]":
        """baresip on fresh ports (it binds ``sip_listen`` for UDP and TCP and the next port for TLS)."""
        self.ctrl_port = free_port()
        (self.directory / "config").write_text("\n".join([
            f"sip_listen 127.0.0.1:{free_port()}",
            "audio_player aufile,/dev/null", "audio_alert aufile,/dev/null",
            f"audio_source aufile,{self.microphone}",
            "module_path /usr/lib/baresip/modules", "module g711.so", "module aufile.so",
            "module sndfile.so", f"snd_path {self.directory}", "module_tmp uuid.so", "module_tmp account.so",
            "module_app menu.so", "module ctrl_tcp.so", f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}", "",
        ]))
        return subprocess.Popen([need("baresip"), "-f", str(self.directory), "-4"], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)

    def _ready(self, seconds: float = 10.0) -> bool:
        """Whether baresip came up: its ctrl_tcp port answers (it exits when it cannot bind SIP)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def command(self, command: str, params: str = "") -> None:
        payload = json.dumps({"command": command, "params": params, "token": "t"}).encode()
        if self._link is not None:
            self._link.sendall(f"{len(payload)}:".encode() + payload + b",")
            return
        for _ in range(50):
            try:
                with socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=5) as sock:
                    sock.sendall(f"{len(payload)}:".encode() + payload + b",")
                    sock.recv(4096)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("baresip's ctrl_tcp did not answer")

    def listen(self) -> None:
        """Keep one ctrl_tcp connection open (baresip serves only one at a time) and collect the
        events it sends (``CALL_INCOMING``, ``CALL_ESTABLISHED``, ``CALL_DTMF_START``,
        ``CALL_CLOSED``…); :meth:`command` then goes over it too."""
        for _ in range(200):
            try:
                self._link = socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=5)
                break
            except OSError:
                if self.process.poll() is not None:  # it exited (a port taken meanwhile): no use waiting
                    break
                time.sleep(0.1)
        if self._link is None:
            output = self.process.stdout.read() if self.process.poll() is not None and self.process.stdout else ""
            raise RuntimeError(f"baresip's ctrl_tcp did not answer (exit status {self.process.poll()}): {output[-1500:]}")
        self._link.settimeout(None)
        threading.Thread(target=self._read_events, args=(self._link,), daemon=True).start()

    def _read_events(self, link: socket.socket) -> None:
        buffer = b""
        while True:
            try:
                data = link.recv(65536)
            except OSError:
                return
            if not data:
                return
            buffer += data
            while b":" in buffer:
                length, _, rest = buffer.partition(b":")
                if len(rest) < int(length) + 1:
                    break
                message, buffer = json.loads(rest[: int(length)]), rest[int(length) + 1:]
                if message.get("event"):
                    with self._changed:
                        self.events.append(message)
                        self._changed.notify_all()

    def wait_event(self, kind: str, count: int = 1, timeout: float = 20.0) -> dict[str, object]:
        """The ``count``-th event of type ``kind`` (after :meth:`listen`), waiting for it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [event for event in self.events if event.get("type") == kind]
                if len(found) >= count:
                    return found[count - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"baresip sent no {kind} in {timeout} s; events: "
                                         f"{[event.get('type') for event in self.events]}")
                self._changed.wait(left)

    def heard(self) -> list[Path]:
        """The WAV dumps of what baresip received (decoded audio)."""
        return [Path(p) for p in glob.glob(str(self.directory / "*dec*.wav"))]

    def stop(self) -> str:
        if self._link is not None and self.process.poll() is None:
            self.command("quit")
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self.process.poll() is None:
            try:
                self.command("quit")
                self.process.wait(timeout=10)
            except (RuntimeError, subprocess.TimeoutExpired):
                os.kill(self.process.pid, 9)
                self.process.wait()
        return self.process.stdout.read() if self.process.stdout else ""


def echo_trunk(port: int) -> "subprocess.Popen[str]":
    """A sipp UAS on ``port`` that answers one call and echoes its RTP back (``uas_echo.xml``)."""
    command = [need("sipp"), "-sf", str(SCENARIOS / "uas_echo.xml"), "-i", "127.0.0.1", "-p", str(port),
               "-mi", "127.0.0.1", "-mp", str(free_port() & ~1), "-rtp_echo", "-m", "1", "-nostdin",
               "-timeout", "40s", "-timeout_error"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def write_tone(path: Path, frequency: float, seconds: float) -> None:
    from switchboard.network.rtp.codec import tone

    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(tone(frequency, seconds))


def wav_rms(path: Path) -> float:
    import audioop

    with wave.open(str(path)) as reader:
        frames = reader.readframes(reader.getnframes())
        return audioop.rms(frames, reader.getsampwidth()) if frames else 0.0


def wav_samples(path: Path | bytes) -> tuple[np.ndarray, int]:
    """A mono 16-bit WAV file (a path, or its bytes) as samples and its rate."""
    with wave.open(str(path) if isinstance(path, Path) else io.BytesIO(path)) as reader:
        data = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
        return data.reshape(-1, reader.getnchannels()).mean(axis=1), reader.getframerate()


def tone_seconds(path: Path | bytes, frequency: float, share: float = 0.5, window: float = 0.1,
                 start: float = 0.0, end: float | None = None) -> float:
    """How long ``frequency`` (within 25 Hz) carries more than ``share`` of the power of an audible
    signal, counted in ``window``-second slices: tells which tone a peer heard, not only that it
    heard something. ``start``/``end`` (seconds; negative counts from the end) pick a part."""
    samples, rate = wav_samples(path)
    samples = samples[int(start * rate):None if end is None else int(end * rate)]
    size = int(rate * window)
    freqs = np.fft.rfftfreq(size, 1 / rate)
    band = np.abs(freqs - frequency) <= 25
    count = 0
    for start in range(0, len(samples) - size + 1, size):
        chunk = samples[start:start + size]
        if np.sqrt(np.mean(chunk ** 2)) < 100:
            continue
        power = np.abs(np.fft.rfft(chunk * np.hanning(size))) ** 2
        if power[band].sum() > share * power.sum():
            count += 1
    return count * window


class RawClient:
    """A bare UDP SIP client for requests no softphone would send."""

    def __init__(self, sip_port: int, host: str = "127.0.0.1"):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.sock.settimeout(5)
        self.server = ("127.0.0.1", sip_port)
        self.port = self.sock.getsockname()[1]
        self.count = 0

    def send(self, data: bytes) -> None:
        self.sock.sendto(data, self.server)

    def request(self, method: str, user: str, headers: list[str] | None = None, uri: str = "",
                call_id: str = "", cseq: int = 1, body: str = "") -> str:
        self.count += 1
        call_id = call_id or f"raw{self.count}-{time.time()}"
        via = f"Via: SIP/2.0/UDP {self.sock.getsockname()[0]}:{self.port};branch=z9hG4bKraw{self.count}x{time.time_ns()};rport"
        head = [f"From: <sip:{user}@127.0.0.1>;tag=raw{self.count}", f"Call-ID: {call_id}", "Max-Forwards: 70"]
        lines = [f"{method} {uri or 'sip:127.0.0.1'} SIP/2.0", via, *head, f"To: <sip:{user}@127.0.0.1>",
                 f"CSeq: {cseq} {method}", *(headers or []), f"Content-Length: {len(body)}", "", body]
        self.send("\r\n".join(lines).encode())
        while True:
            response = self.receive()
            if f"Call-ID: {call_id}\r\n" in response:
                break  # (a retransmission of an earlier final response is skipped)
        if method == "INVITE" and self.status(response) >= 300:  # ACK it, as a UA does, to stop retransmissions
            to = response.split("\r\nTo: ", 1)[1].split("\r\n", 1)[0]
            ack = [f"ACK {uri or 'sip:127.0.0.1'} SIP/2.0", via, *head, f"To: {to}", f"CSeq: {cseq} ACK",
                   "Content-Length: 0", "", ""]
            self.send("\r\n".join(ack).encode())
        return response

    def receive(self, skip_provisional: bool = True) -> str:
        while True:
            text = self.sock.recv(65535).decode()
            if not (skip_provisional and text.startswith("SIP/2.0 1")):
                return text

    def status(self, response: str) -> int:
        return int(response.split(" ", 2)[1])

    def authorization(self, challenge: str, user: str, password: str, method: str, uri: str = "sip:127.0.0.1",
                      header: str = "Authorization") -> str:
        from switchboard.endpoints.digest import ha1

        realm = re.search(r'realm="([^"]+)"', challenge).group(1)  # type: ignore[union-attr]
        nonce = re.search(r'nonce="([^"]+)"', challenge).group(1)  # type: ignore[union-attr]
        response = expected_response(ha1(user, realm, password), method, uri, nonce, qop="auth", nc="00000001", cnonce="abc")
        return (f'{header}: Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
                f'response="{response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="abc"')

    def close(self) -> None:
        self.sock.close()


def write_rtp_pcap(path: Path, pcm: bytes, payload_type: int = 0, ptime_ms: int = 20) -> float:
    """``pcm`` (8 kHz 16-bit mono) as a capture of G.711 RTP packets of ``ptime_ms`` each, for
    sipp's ``play_pcap_audio`` (Ethernet, IPv4, UDP, RTP; sipp re-addresses it); returns its
    length in seconds."""
    import struct

    from switchboard.network.rtp import codec, packet

    size = 16 * ptime_ms  # bytes of 16-bit samples at 8 kHz
    frames = [pcm[i:i + size].ljust(size, b"\0") for i in range(0, len(pcm), size)]
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for index, frame in enumerate(frames):
        rtp = packet.build(payload_type, index, index * size // 2, 0x5EED, codec.encode(payload_type, frame), index == 0)
        udp = struct.pack("!HHHH", 6000, 6000, 8 + len(rtp), 0) + rtp
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), index & 0xFFFF, 0, 64, 17, 0,
                         socket.inet_aton("127.0.0.1"), socket.inet_aton("127.0.0.1")) + udp
        ether = b"\0" * 12 + b"\x08\x00" + ip
        micros = index * ptime_ms * 1000
        out.append(struct.pack("<IIII", micros // 1_000_000, micros % 1_000_000, len(ether), len(ether)) + ether)
    path.write_bytes(b"".join(out))
    return len(frames) * ptime_ms / 1000


def scenario_copy(name: str, directory: Path, **fill: str) -> Path:
    """A copy of ``scenarios/name`` in ``directory`` with each ``[key]`` replaced (sipp expands
    no keys inside ``exec`` attributes)."""
    from tests.network.sip.conftest import SCENARIOS

    text = (SCENARIOS / name).read_text()
    for key, value in fill.items():
        text = text.replace(f"[{key}]", value)
    path = directory / name
    path.write_text(text)
    return path
