"""Real SIP peers for tests: baresip (a softphone registering as an endpoint) and a tiny raw UDP
client for the registrar's bad-input cases (malformed or hostile requests no real phone sends)."""

import glob
import json
import os
import re
import socket
import subprocess
import threading
import time
import wave
from pathlib import Path

from switchboard.endpoints.digest import expected_response
from tests.helpers import free_port
from tests.network.sip.conftest import need


class Baresip:
    """baresip 1.0, headless: registers ``username`` at the server, auto-answers, sends a 440 Hz
    tone as its microphone, dumps what it hears to WAV, and takes commands on ctrl_tcp."""

    def __init__(self, directory: Path, sip_port: int, username: str, password: str, regint: int = 60,
                 answermode: str = "auto", microphone: Path | None = None):
        self.directory, self.ctrl_port = directory, free_port()
        directory.mkdir(parents=True, exist_ok=True)
        if microphone is None:  # a 440 Hz tone; baresip hangs up when its microphone file ends
            microphone = directory / "tone.wav"
            write_tone(microphone, 440, 120.0)
        self.events: list[dict[str, object]] = []
        self._link: socket.socket | None = None
        self._changed = threading.Condition()
        (directory / "config").write_text("\n".join([
            f"sip_listen 127.0.0.1:{free_port()}",
            "audio_player aufile,/dev/null", "audio_alert aufile,/dev/null", f"audio_source aufile,{microphone}",
            "module_path /usr/lib/baresip/modules", "module g711.so", "module aufile.so",
            "module sndfile.so", f"snd_path {directory}", "module_tmp uuid.so", "module_tmp account.so",
            "module_app menu.so", "module ctrl_tcp.so", f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}", "",
        ]))
        (directory / "accounts").write_text(
            f"<sip:{username}@127.0.0.1:{sip_port}>;auth_pass={password};answermode=auto;"
            f"audio_codecs=PCMU,PCMA;regint={regint}\n".replace("answermode=auto", f"answermode={answermode}"))
        self.process = subprocess.Popen([need("baresip"), "-f", str(directory), "-4"], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)

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
