"""Recording benchmark: the cost of each step per minute of telephony audio (8 kHz mono).

- synthesise: eSpeak NG text-to-speech of one minute of speech (cache misses; the cache makes
  repeats free),
- render: a recorder's mixdown of a one-minute call (speech both ways from the TTS cache, DTMF,
  beeps) to PCM,
- encode: MP3 (LAME, 32 kbit/s) and WAV,
- decode: the MP3 back to PCM (what transcription reads),
- transcribe: pocketsphinx over the minute.

Runs in-process on the current machine, best of ``--repeat`` runs (CPU time is what matters:
the server runs each step in a worker thread).

    .venv/bin/python bench/recording.py [--repeat 3]
"""

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import machine  # noqa: E402

from switchboard.media import asr, audiofile, tts  # noqa: E402
from switchboard.network.channel import Beep, MediaEvent, Speech, Tones  # noqa: E402
from switchboard.voice.recording.recorder import Recorder  # noqa: E402

SENTENCES = [
    "Thank you for calling the city help line.", "Please describe the problem after the tone.",
    "I am calling because the street light outside my house has been broken for a week.",
    "It is on the corner of Main Street and Fifth Avenue, next to the bus stop.",
    "You can call me back on this number any time after five in the evening.",
    "My name is Maria and my reference number is four two seven nine.",
]


def one_minute_of_text() -> str:
    text, index = "", 0
    while len(text.split()) < 165:  # 165 words a minute
        text += SENTENCES[index % len(SENTENCES)] + " "
        index += 1
    return text.strip()


def best(repeat: int, step) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        started = time.process_time()
        result = step()
        times.append(time.process_time() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    text = one_minute_of_text()
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        counter = iter(range(10**6))

        def synthesise() -> bytes:
            tts.set_cache_dir(Path(cache) / str(next(counter)))  # a fresh cache: every run misses
            return tts.synthesize(text, "MAN", rate=155)

        seconds, pcm = best(args.repeat, synthesise)
        minutes = len(pcm) / 2 / 8000 / 60  # type: ignore[arg-type]
        rows.append(("synthesise (TTS, cache miss)", seconds / minutes))
        tts.set_cache_dir(Path(cache) / "warm")

        def render() -> bytes:
            recorder = Recorder(("in", "out"))
            recorder.start(0.0)
            for second in range(0, 60, 6):
                recorder.hear(MediaEvent(second, "out", Speech(SENTENCES[second % 6], "WOMAN"), 3.0))
                recorder.hear(MediaEvent(second + 3, "in", Speech(SENTENCES[(second + 1) % 6], "MAN"), 2.5))
                recorder.hear(MediaEvent(second + 5.5, "in", Tones("1#"), 0.4))
                recorder.hear(MediaEvent(second + 5.9, "out", Beep(0.1, 800), 0.1))
            recorder.stop(60.0)
            return asyncio.run(recorder.render(lambda url: asyncio.sleep(0, b"")))

        render()  # fill the TTS cache: a call's prompts are synthesised once
        seconds, mixed = best(args.repeat, render)
        rows.append(("render a call's timeline to PCM (TTS cached)", seconds))
        seconds, mp3 = best(args.repeat, lambda: audiofile.to_mp3(mixed))  # type: ignore[arg-type]
        rows.append(("encode MP3 (LAME 32 kbit/s)", seconds))
        seconds, _ = best(args.repeat, lambda: audiofile.to_wav(mixed))  # type: ignore[arg-type]
        rows.append(("encode WAV", seconds))
        seconds, decoded = best(args.repeat, lambda: audiofile.decode(mp3))  # type: ignore[arg-type]
        rows.append(("decode MP3 to 8 kHz PCM", seconds))
        asr.transcribe(decoded[:8000])  # type: ignore[index]  (load the model outside the timing)
        seconds, _ = best(min(args.repeat, 2), lambda: asr.transcribe(decoded))  # type: ignore[arg-type]
        rows.append(("transcribe (pocketsphinx, bundled en-us model)", seconds))
    print(f"machine: {machine()}")
    print("| step | CPU seconds per minute of audio |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value:.3f} |")


if __name__ == "__main__":
    main()
