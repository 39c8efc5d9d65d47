"""A scriptable SMSC for the SMPP tests and the bench, run as its own process:
``python smsc_peer.py PORT``. Built on the smpp34 server (an SMPP implementation independent of
the smpplib codec the connector uses). It reads JSON commands on stdin and writes JSON events on
stdout, one per line:

- ``{"cmd": "set", ...}``: behaviour: ``throttle`` (destinations refused with ESME_RTHROTTLED
  ``throttle_times`` times each), ``reject`` ({destination: status}), ``early`` (the receipt is
  sent before the submit response), ``id_format`` (``hex`` responses with ``decimal`` receipts
  when set to ``decimal``), ``stat``/``err`` of receipts, ``receipts`` (false: none), ``silent``
  (never answer submits), ``quiet`` (no ``submit`` events: for the bench).
- ``{"cmd": "unknown_receipt"}``: send one receipt for an id never issued; ``{"cmd": "count"}``:
  a ``count`` event with the number of submits so far.
- ``{"cmd": "mo", "src", "dst", "text", "parts", "ucs2", "udh_hex"}``: send an inbound message
  (``parts`` > 1: concatenated with a UDH; ``udh_hex``: a raw user data header, to break it).
Events: ``ready``, ``bound``, ``submit`` (with its fields), ``mo_resp`` (the ESME's status)."""

import asyncio
import datetime
import itertools
import json
import sys

import smpp34
import uvloop

STATES = {"DELIVRD": 2, "EXPIRED": 3, "DELETED": 4, "UNDELIV": 5, "ACCEPTD": 6, "UNKNOWN": 7, "REJECTD": 8}


def emit(**event: object) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


class Smsc:
    def __init__(self, port: int):
        self.port = port
        self.esmes: dict[str, smpp34.Esme] = {}
        self.ids = itertools.count(0x1000)
        self.settings: dict = {"throttle": [], "throttle_times": 1, "reject": {}, "early": False, "id_format": "hex",
                               "stat": "DELIVRD", "err": "000", "receipts": True, "silent": False}
        self.throttled: dict[str, int] = {}
        self.held: list[smpp34.SubmitSmEvent] = []
        self.submits = 0
        self.tasks: set[asyncio.Task] = set()

    def spawn(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def run(self) -> None:
        server = smpp34.Server(host="127.0.0.1", port=self.port, system_id="PEERSMSC", inbound_capacity=65536)
        await server.start()
        self.spawn(self.commands())
        emit(event="ready", port=self.port)
        while True:
            event = await server.next()
            if isinstance(event, smpp34.Esme):
                self.esmes[event.session_id] = event
                emit(event="bound", session=event.session_id, system_id=event.system_id, can_receive=event.can_receive)
            elif isinstance(event, smpp34.Unbound):
                self.esmes.pop(event.session_id, None)
                emit(event="unbound", session=event.session_id)
            else:
                self.submitted(event)

    def receiver(self, preferred: str | None = None) -> smpp34.Esme | None:
        if preferred in self.esmes and self.esmes[preferred].can_receive:
            return self.esmes[preferred]
        return next((esme for esme in self.esmes.values() if esme.can_receive), None)

    def submitted(self, event: smpp34.SubmitSmEvent) -> None:
        s = self.settings
        dst = event.destination_addr
        self.submits += 1
        if not s.get("quiet"):
            emit(event="submit", src=event.source_addr, dst=dst, esm_class=event.esm_class, data_coding=event.data_coding,
                 short_message=event.short_message.hex(), source_ton=event.source_addr_ton, source_npi=event.source_addr_npi,
                 registered_delivery=event.registered_delivery, tlvs={str(t.tag): t.value.hex() for t in event.tlvs})
        if s["silent"]:
            self.held.append(event)
            return
        if dst in s["throttle"] and self.throttled.get(dst, 0) < s["throttle_times"]:
            self.throttled[dst] = self.throttled.get(dst, 0) + 1
            event.reject(smpp34.ESME_RTHROTTLED)
            return
        if dst in s["reject"]:
            event.reject(int(s["reject"][dst]))
            return
        number = next(self.ids)
        message_id = format(number, "x")
        receipt_id = str(number) if s["id_format"] == "decimal" else message_id
        wants = event.registered_delivery & 3 and s["receipts"]
        if wants and s["early"]:
            self.spawn(self.receipt(event.session_id, dst, event.source_addr, receipt_id, then=lambda: event.accept(message_id)))
            return
        event.accept(message_id)
        if wants:
            self.spawn(self.receipt(event.session_id, dst, event.source_addr, receipt_id))

    async def receipt(self, session: str, handset: str, app: str, message_id: str, then=None) -> None:
        s = self.settings
        now = datetime.datetime.now(datetime.UTC).strftime("%y%m%d%H%M")
        body = f"id:{message_id} sub:001 dlvrd:001 submit date:{now} done date:{now} stat:{s['stat']} err:{s['err']} text:"
        esme = self.receiver(session)
        if esme is None:
            return
        deliver = asyncio.ensure_future(esme.deliver_sm(app, body.encode(), source_addr=handset, esm_class=0x04,
                                                        source_addr_ton=1, source_addr_npi=1, dest_addr_ton=1, dest_addr_npi=1))
        if then is not None:
            await asyncio.sleep(0.05)  # the receipt is on the wire before the response
            then()
        try:
            await deliver
        except Exception as exc:  # the ESME went away
            emit(event="receipt_failed", error=str(exc))

    async def mo(self, command: dict) -> None:
        esme = self.receiver()
        if esme is None:
            emit(event="mo_resp", status=-1)
            return
        text, parts = command["text"], int(command.get("parts", 1))
        ucs2 = bool(command.get("ucs2"))
        encode = (lambda t: t.encode("utf-16-be")) if ucs2 else (lambda t: t.encode("ascii"))
        chunks = _split(text, parts)
        statuses = []
        for seq, chunk in enumerate(chunks, start=1):
            payload = encode(chunk)
            esm = 0
            if command.get("udh_hex") is not None:
                payload, esm = bytes.fromhex(command["udh_hex"]) + payload, 0x40
            elif parts > 1:
                payload, esm = bytes((5, 0, 3, 0x42, parts, seq)) + payload, 0x40
            response = await esme.deliver_sm(command["dst"], payload, source_addr=command["src"], esm_class=esm,
                                             data_coding=8 if ucs2 else 0, source_addr_ton=1, source_addr_npi=1)
            statuses.append(response.command_status)
        emit(event="mo_resp", status=max(statuses))

    async def commands(self) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := await reader.readline():
            command = json.loads(line)
            if command["cmd"] == "set":
                self.settings.update({k: v for k, v in command.items() if k != "cmd"})
                emit(event="set")
            elif command["cmd"] == "mo":
                self.spawn(self.mo(command))
            elif command["cmd"] == "count":
                emit(event="count", submits=self.submits)
            elif command["cmd"] == "unknown_receipt":
                self.spawn(self.receipt("", command.get("handset", "15550001111"), command.get("app", "15550002222"), "deadbeef99"))
                emit(event="set")


def _split(text: str, parts: int) -> list[str]:
    size = -(-len(text) // parts)
    return [text[i * size : (i + 1) * size] for i in range(parts)]


if __name__ == "__main__":
    uvloop.run(Smsc(int(sys.argv[1])).run())
