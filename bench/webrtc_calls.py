"""WebRTC benchmark: browser-originated calls into `switchboard serve --sip-listen`, the browsers
simulated by aiortc clients in **other processes** than the server (`--workers` of them; Chromium
instances are too heavy for dozens).

Each client logs in the way the browser SDK does with a token (SIP over WebSocket at
`/signalling`, `X-Plivo-Jwt`), places a call with a WebRTC offer (ICE, DTLS-SRTP, rtcp-mux,
BUNDLE; PCMU or Opus only), sends a 440 Hz tone for `--hold` seconds and hangs up. The endpoint's
application answers an empty `<GetDigits>` (a long silent wait on an answered call), so the
server's media work is the stream itself (the platform sends 20 ms frames of silence, encodes and
encrypts them, decrypts and decodes the browser's).

`--calls 1,10,20` runs one step per count (all of a step's calls at once, started `--ramp` s
apart) on one server. Reported per step: calls answered; calls that **lost audio**: over 100 ms
(5 frames) of the 20 ms slots between a client's first steady frame and its last that no frame
filled; calls with a frame **late** by over 100 ms (delay jitter a browser's jitter buffer absorbs;
measured at the client, which shares the machine's cores with the server: an upper bound); the
fewest frames a client received; server CPU seconds (from /proc) per call-minute. The concurrent
calls one node carries without gaps is the largest step, from the first, whose every call was
answered and lost no audio.

Usage: .venv/bin/python bench/webrtc_calls.py --calls 1,10,20 --hold 20 --codec PCMU --workers 2
"""

import argparse
import asyncio
import multiprocessing
import fractions
import math
import os
import secrets
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import av
import httpx
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from websockets.asyncio.client import connect

from common import AUTH_ID, AUTH_TOKEN, free_port, machine, start_server

ANSWER = b'<Response><GetDigits numDigits="1" timeout="3600"></GetDigits></Response>'


class Tone(MediaStreamTrack):
    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self.pts, self.start = 0, time.monotonic()

    async def recv(self) -> av.AudioFrame:
        wait = self.start + self.pts / 8000 - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        samples = [int(8000 * math.sin(2 * math.pi * 440 * (self.pts + n) / 8000)) for n in range(160)]
        frame = av.AudioFrame(format="s16", layout="mono", samples=160)
        frame.planes[0].update(b"".join(v.to_bytes(2, "little", signed=True) for v in samples))
        frame.sample_rate, frame.time_base, frame.pts = 8000, fractions.Fraction(1, 8000), self.pts
        self.pts += 160
        return frame


def app_server() -> str:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(ANSWER)))
            self.end_headers()
            self.wfile.write(ANSWER)

        do_GET = do_POST

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/answer"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def call(ws_url: str, user: str, token: str, codec: str, hold: float) -> "Result":
    """(answered, frames late by over 100 ms, frames received, frames missing: the steady span's
    20 ms slots that no frame filled)."""
    async with connect(ws_url, subprotocols=["sip"]) as ws:  # type: ignore[list-item]
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        transceiver = pc.addTransceiver(Tone(), direction="sendrecv")
        transceiver.setCodecPreferences([c for c in RTCRtpSender.getCapabilities("audio").codecs if c.mimeType == f"audio/{codec}"])
        arrivals: list[float] = []

        async def read(track: MediaStreamTrack) -> None:
            while True:
                try:
                    await track.recv()
                except MediaStreamError:
                    return
                arrivals.append(time.monotonic())

        pc.on("track", lambda track: asyncio.ensure_future(read(track)))
        await pc.setLocalDescription(await pc.createOffer())
        call_id, tag = secrets.token_hex(8), secrets.token_hex(4)
        head = [f"Max-Forwards: 69", f"From: <sip:{user}@phone.plivo.com>;tag={tag}", f"Call-ID: {call_id}"]
        offer = pc.localDescription.sdp
        await ws.send("\r\n".join([f"INVITE sip:14155550199@phone.plivo.com SIP/2.0",
                                   f"Via: SIP/2.0/WSS b.invalid;branch=z9hG4bK{secrets.token_hex(6)}", *head,
                                   "To: <sip:14155550199@phone.plivo.com>", "CSeq: 1 INVITE", f"X-Plivo-Jwt: {token}",
                                   "Contact: <sip:b@b.invalid;transport=ws>", "Content-Type: application/sdp",
                                   f"Content-Length: {len(offer.encode())}", "", offer]))
        while True:
            response = str(await asyncio.wait_for(ws.recv(), 30))
            if response.startswith("SIP/2.0 1"):
                continue
            break
        if not response.startswith("SIP/2.0 200"):
            await pc.close()
            return False, 0, 0, 0
        to = next(line for line in response.split("\r\n") if line.startswith("To:"))[3:].strip()
        answer = response.split("\r\n\r\n", 1)[1]
        dialog = [*head, f"To: {to}"]
        await ws.send("\r\n".join(["ACK sip:switchboard@127.0.0.1 SIP/2.0", f"Via: SIP/2.0/WSS b.invalid;branch=z9hG4bK{secrets.token_hex(6)}",
                                   *dialog, "CSeq: 1 ACK", "Content-Length: 0", "", ""]))
        await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        await asyncio.sleep(hold)
        await ws.send("\r\n".join(["BYE sip:switchboard@127.0.0.1 SIP/2.0", f"Via: SIP/2.0/WSS b.invalid;branch=z9hG4bK{secrets.token_hex(6)}",
                                   *dialog, "CSeq: 2 BYE", "Content-Length: 0", "", ""]))
        await pc.close()
    steady = arrivals[25:]  # the first half second settles ICE, DTLS and the jitter buffer
    late = sum(1 for a, b in zip(steady, steady[1:]) if b - a > 0.1)
    missing = round((steady[-1] - steady[0]) / 0.02) + 1 - len(steady) if len(steady) > 1 else 0
    return True, late, len(arrivals), max(0, missing)


Result = tuple[bool, int, int, int]
GAP_FRAMES = 5
"""A call lost audio (a gap) when over this many 20 ms frames (100 ms) never arrived."""


def client_batch(ws_url: str, batch: list[tuple[int, str, str]], codec: str, hold: float, ramp: float) -> list[Result]:
    """A worker process's share of the calls: (start index, SIP user, token) each."""

    async def staggered(index: int, user: str, token: str) -> Result:
        await asyncio.sleep(index * ramp)
        try:
            return await call(ws_url, user, token, codec, hold)
        except (OSError, TimeoutError, ConnectionError):
            return False, 0, 0, 0

    async def everyone() -> list[Result]:
        return list(await asyncio.gather(*(staggered(*client) for client in batch)))

    return asyncio.run(everyone())


def step(base: str, calls: int, hold: float, codec: str, ramp: float, pid: int, workers: int, name: str) -> tuple[list[Result], float]:
    """One step's results and the server's CPU seconds while its calls ran (the set-up through the API excluded)."""
    http = httpx.Client(base_url=base, auth=(AUTH_ID, AUTH_TOKEN), timeout=10)
    answer_url = app_server()
    app_id = http.post(f"/v1/Account/{AUTH_ID}/Application/", json={"app_name": name, "answer_url": answer_url}).json()["app_id"]
    clients = []
    for index in range(calls):
        user = http.post(f"/v1/Account/{AUTH_ID}/Endpoint/", json={"username": f"{name}x{index}", "password": "benchpass",
                                                                   "alias": "bench", "app_id": app_id}).json()["username"]
        token = http.post(f"/v1/Account/{AUTH_ID}/JWT/Token/", json={"iss": AUTH_ID, "sub": user,
                                                                     "per": {"voice": {"outgoing_allow": True}}}).json()["token"]
        clients.append((index, f"{user}_{AUTH_ID}", token))
    ws_url = base.replace("http://", "ws://") + "/signalling"
    batches = [clients[worker::workers] for worker in range(workers) if clients[worker::workers]]
    before = cpu_seconds(pid)
    with multiprocessing.get_context("spawn").Pool(len(batches)) as pool:
        parts = pool.starmap(client_batch, [(ws_url, batch, codec, hold, ramp) for batch in batches])
    time.sleep(1.0)  # the last hang-ups' work
    return [result for part in parts for result in part], cpu_seconds(pid) - before


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", default="1,10", help="calls at once, one step per comma-separated count")
    parser.add_argument("--hold", type=float, default=20.0)
    parser.add_argument("--codec", choices=("PCMU", "opus"), default="PCMU")
    parser.add_argument("--ramp", type=float, default=0.2, help="seconds between call starts")
    parser.add_argument("--workers", type=int, default=2, help="client processes (the simulated browsers)")
    args = parser.parse_args()
    port, sip_port = free_port(), free_port()
    carried, failed = 0, False
    print(f"machine: {machine()}; clients in {args.workers} processes besides the server's")
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(None, data_dir, port, "--sip-listen", f"127.0.0.1:{sip_port}")
        try:
            for number, calls in enumerate(int(value) for value in args.calls.split(",")):
                load = os.getloadavg()[0]
                started = time.monotonic()
                results, used = step(f"http://127.0.0.1:{port}", calls, args.hold, args.codec, args.ramp, server.pid,
                                     args.workers, f"s{number}")
                elapsed = time.monotonic() - started
                answered = sum(ok for ok, *_ in results)
                gappy = sum(1 for ok, _, _, missing in results if ok and missing > GAP_FRAMES)
                jittery = sum(1 for ok, late, _, _ in results if ok and late)
                minutes = answered * args.hold / 60
                print(f"{calls} calls, {args.codec}, hold {args.hold:.0f} s, {elapsed:.0f} s: answered {answered}, "
                      f"lost > 100 ms of audio {gappy} (most frames missing {max(m for *_, m in results)}), "
                      f"a frame late by > 100 ms {jittery}, fewest frames received {min(f for _, _, f, _ in results)} "
                      f"of ~{int(args.hold * 50)}; server CPU {used:.1f} s = {used / max(minutes, 1e-9):.2f} s per "
                      f"call-minute; load average {load:.1f} before, {os.getloadavg()[0]:.1f} after")
                if answered == calls and not gappy and not failed:
                    carried = calls
                else:
                    failed = True
        finally:
            server.terminate()
            server.wait(10)
    print(f"carried without gaps: {carried} concurrent {args.codec} calls (the largest step in which no call lost audio)")


if __name__ == "__main__":
    main()
