"""CPU cost of carrying real audio through conference rooms on SIP legs, without the network's
timing in the way: real SIP legs with real RTP sessions on 127.0.0.1 sockets, every member
receiving a G.711 packet of a tone and sending its next packet each 20 ms slot, driven as fast as
the CPU goes. Three runs with the same legs: alone (the IVR baseline: decode, energy, send),
recorded (each leg's audio reported to a recorder), and in rooms of ``--members`` (jitter buffer,
mixer routing, per-speaker mixdown summed into what each member sends). The difference is what
mixing costs per member per frame; 20 ms divided by the total is how many members one core keeps
up with.

    .venv/bin/python bench/sip_mix.py --rooms 10 --members 10 --frames 500
"""

import argparse
import asyncio
import socket
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine  # noqa: E402

from switchboard.core.clock import Clock  # noqa: E402
from switchboard.network.mixer import Mixer  # noqa: E402
from switchboard.network.rtp import codec, packet  # noqa: E402
from switchboard.network.rtp.session import RtpSession  # noqa: E402
from switchboard.network.sip.legs import SipLeg  # noqa: E402
from switchboard.voice.recording.recorder import Recorder  # noqa: E402


async def legs(count: int, sink: tuple[str, int]) -> list[SipLeg]:
    stack = SimpleNamespace(clock=Clock(), forget=lambda leg: None)
    made = []
    for index in range(count):
        rtp = RtpSession(lambda digit: None)
        await rtp.open("127.0.0.1")
        rtp.configure(sink[0], sink[1], codec.PCMU, 101)
        rtp.latched, rtp.sending = True, True
        made.append(SipLeg(stack, rtp, None, uuid=f"leg-{index}", direction="inbound",  # type: ignore[arg-type]
                           from_=f"1415555{index:04d}", to="14155550100"))
    return made


def run(members: list[SipLeg], frames: int, sink: tuple[str, int]) -> float:
    """CPU seconds per member per frame to receive one packet and send one, ``frames`` times."""
    payload = codec.encode(codec.PCMU, codec.tone(500, 0.02))
    started = time.process_time()
    for slot in range(frames):
        data = packet.build(codec.PCMU, slot, slot * codec.FRAME_SAMPLES, 1234, payload)
        for leg in members:
            leg.rtp.datagram_received(data, sink)
        for leg in members:
            leg.rtp.tick()
    return (time.process_time() - started) / frames / len(members)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=10)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--frames", type=int, default=500)
    args = parser.parse_args()
    sink_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink_socket.bind(("127.0.0.1", 0))
    sink_socket.setblocking(False)
    sink = sink_socket.getsockname()
    members = await legs(args.rooms * args.members, sink)
    alone = run(members, args.frames, sink)
    recorders = []
    for leg in members:
        recorder = Recorder()
        recorder.start(time.monotonic())
        recorder.attach(leg, time.monotonic())
        recorders.append(recorder)
    recorded = run(members, args.frames, sink)
    for recorder in recorders:
        recorder.stop(time.monotonic())
    for room in range(args.rooms):
        mixer = Mixer(f"room-{room}")
        for leg in members[room * args.members:(room + 1) * args.members]:
            await leg.join(mixer)
    mixed = run(members, args.frames, sink)
    print(machine())
    print(f"{args.rooms} rooms x {args.members} members, {args.frames} frames each")
    for name, cost in (("alone (IVR)", alone), ("recorded", recorded), ("in a room", mixed)):
        print(f"  {name:12} {cost * 1e6:7.1f} us CPU per member per 20 ms frame -> {0.020 / cost:6.0f} members per core")
    print(f"  mixing adds {(mixed - alone) * 1e6:.1f} us per member per frame")
    for leg in members:
        leg.rtp.close()
    sink_socket.close()


if __name__ == "__main__":
    asyncio.run(main())
