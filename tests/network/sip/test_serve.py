"""`switchboard serve --sip-listen` starts the SIP stack; a bad listen address is refused up front."""

import os
import socket
import subprocess
import time
from pathlib import Path

from tests.helpers import free_port
from tests.test_cli import SWITCHBOARD


def test_a_bad_listen_address_is_refused(tmp_path: Path) -> None:
    result = subprocess.run([SWITCHBOARD, "serve", "--data-dir", str(tmp_path), "--port", str(free_port()),
                             "--sip-listen", "localhost:notaport"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--sip-listen" in result.stderr
    assert not (tmp_path / "switchboard.db").exists()


def test_serve_answers_sip_on_the_listen_address(tmp_path: Path) -> None:
    sip_port = free_port()
    process = subprocess.Popen([SWITCHBOARD, "serve", "--data-dir", str(tmp_path), "--port", str(free_port()),
                                "--sip-listen", f"127.0.0.1:{sip_port}", "--log-level", "warning"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(0.5)
            options = ("OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKserve;rport\r\n"
                       "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: serve1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
            deadline = time.monotonic() + 30
            answer = b""
            while not answer and time.monotonic() < deadline:
                sock.sendto(options.encode(), ("127.0.0.1", sip_port))
                try:
                    answer = sock.recv(4096)
                except TimeoutError:
                    pass
        assert answer.startswith(b"SIP/2.0 200 OK")
    finally:
        process.terminate()
        process.wait(timeout=30)
