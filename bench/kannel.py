"""The same end-to-end measurement for Kannel (a well-known open-source SMS gateway), on the same
machine and the same SMSC peer: HTTP `sendsms` -> smsbox -> bearerbox -> SMPP (smpp34 peer) ->
receipt -> Kannel's DLR callback to `dlr-url`. Figures: delivered DLR callbacks (type 1) per
second until the last one arrived. Kannel drops receipts that overtake their submit_sm_resp
("got DLR but could not find message"), so their count is reported too.

Kannel comes from Debian without its service ever starting: `apt-get download kannel && dpkg -x
kannel_*.deb DIR`, plus `apt-get install libpcre3 libhiredis0.14 libct4 libmariadb3`; pass DIR:

    .venv/bin/python bench/kannel.py --kannel /tmp/kannel/root [--messages 10000] [--connections 16]
"""

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))
from common import free_port, machine  # noqa: E402

from tests.network.smpp.peer import SmscPeer  # noqa: E402

CONFIG = """
group = core
admin-port = {admin}
admin-password = bench
smsbox-port = {smsbox}
dlr-storage = internal
log-level = 3
log-file = "{dir}/bearerbox.log"
access-log = "{dir}/access.log"
box-allow-ip = 127.0.0.1

group = smsc
smsc = smpp
smsc-id = peer
host = 127.0.0.1
port = {smsc}
transceiver-mode = true
smsc-username = kannel
smsc-password = kannel
system-type = ""
max-pending-submits = {window}
msg-id-type = 0x00
enquire-link-interval = 30

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {smsbox}
sendsms-port = {sendsms}
log-level = 3
log-file = "{dir}/smsbox.log"
mo-recode = false

group = sendsms-user
username = bench
password = bench
max-messages = 10
"""


class DlrReceiver:
    def __init__(self) -> None:
        self.delivered = 0
        self.other = 0
        self.done = asyncio.Event()
        self.expect = 0
        self.port = 0
        self.last = 0.0

    async def start(self) -> None:
        server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if b"type=1 " in head or b"type=1&" in head:
                    self.delivered += 1
                    self.last = time.perf_counter()
                else:
                    self.other += 1
                if self.delivered >= self.expect > 0:
                    self.done.set()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


async def run(sendsms: int, messages: int, connections: int) -> dict:
    receiver = DlrReceiver()
    await receiver.start()
    receiver.expect = messages
    counter = iter(range(messages))
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=connections)) as http:
        async def worker() -> int:
            sent = 0
            for index in counter:
                dlr = f"http://127.0.0.1:{receiver.port}/dlr?type=%d&id={index}"
                response = await http.get(f"http://127.0.0.1:{sendsms}/cgi-bin/sendsms", params={
                    "username": "bench", "password": "bench", "from": "14155550100", "to": f"49151{index:08d}",
                    "text": "SMPP benchmark", "dlr-mask": "1", "dlr-url": dlr})
                sent += response.status_code == 202
            return sent

        started = time.perf_counter()
        accepted = sum(await asyncio.gather(*(worker() for _ in range(connections))))
        accept_seconds = time.perf_counter() - started
        receiver.expect = accepted
        seen = -1
        while receiver.delivered < accepted and receiver.delivered != seen:  # Kannel loses some: stop when none come for 5 s
            seen = receiver.delivered
            await asyncio.sleep(5)
        seconds = receiver.last - started
    return {"messages": accepted, "accepted_per_second": round(accepted / accept_seconds),
            "delivered_callbacks": receiver.delivered,
            "delivered_callbacks_received_per_second": round(receiver.delivered / seconds), "other_dlrs": receiver.other}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kannel", type=Path, required=True, help="directory Kannel's .deb was unpacked into")
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--window", type=int, default=100)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    smsc = SmscPeer().start()
    smsc.set(quiet=True)
    with tempfile.TemporaryDirectory() as directory:
        ports = {"admin": free_port(), "smsbox": free_port(), "sendsms": free_port()}
        config = Path(directory) / "kannel.conf"
        config.write_text(CONFIG.format(dir=directory, smsc=smsc.port, window=args.window, **ports))
        boxes = [subprocess.Popen([str(args.kannel / "usr/sbin/bearerbox"), str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        time.sleep(2)
        boxes.append(subprocess.Popen([str(args.kannel / "usr/sbin/smsbox"), str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        try:
            smsc.wait_for("bound", timeout=30)
            time.sleep(2)
            result = asyncio.run(run(ports["sendsms"], args.messages, args.connections))
        finally:
            for box in reversed(boxes):
                box.terminate()
                box.wait(timeout=30)
            smsc.kill()
    print(result)
    print("\n| gateway | messages | window | accepted/s | delivered callbacks | delivered callbacks received/s |\n|---|---|---|---|---|---|")
    print(f"| Kannel 1.4.5 | {result['messages']} | {args.window} | {result['accepted_per_second']} | "
          f"{result['delivered_callbacks']} | {result['delivered_callbacks_received_per_second']} |")


if __name__ == "__main__":
    main()
