"""CPU cost of what a SIP leg does with received audio: the per-frame listener (energy
endpointing; with in-band DTMF; with beep watching too) and recognising one GetInput answer
against hints. Process time, so load on the machine barely matters.

    .venv/bin/python bench/listening.py
"""

import asyncio
import time

from switchboard.media import hints, tones, tts
from switchboard.network.sip.listening import Listening


async def per_frame() -> None:
    pcm = (tts.synthesize("Hello, I would like to talk to sales please.") + tones.silence(1.0).tobytes()) * 20
    frames = [pcm[i:i + 320] for i in range(0, len(pcm) - 319, 320)]
    for label, inband, beep in (("energy only", False, False), ("+ in-band DTMF", True, False),
                                ("+ beep watch", True, True)):
        listening = Listening(lambda digit: None)
        listening.set_inband_dtmf(inband)
        listening.watch_beep(beep)
        start = time.process_time()
        for frame in frames:
            listening.feed(frame)
            listening.take(1.0)
        print(f"listener, {label}: {(time.process_time() - start) / len(frames) * 1e6:.1f} µs CPU per 20 ms frame")


def recognition() -> None:
    answer = tts.synthesize("support")
    hints.understood(answer, ("sales", "support"))  # loads the decoder
    start, runs = time.process_time(), 10
    for _ in range(runs):
        hints.understood(answer, ("sales", "support"))
    print(f"hints grammar: {(time.process_time() - start) / runs * 1000:.0f} ms CPU per {len(answer) / 16000:.2f} s answer")


if __name__ == "__main__":
    asyncio.run(per_frame())
    recognition()
