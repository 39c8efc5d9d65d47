"""Tones and silence as 8 kHz 16-bit PCM: the recording beep, DTMF digits (ITU-T Q.23 pairs),
silence. Cheap enough to run on the event loop."""

import numpy as np

from switchboard.media import RATE

DTMF_FREQUENCIES = {
    "1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "A": (697, 1633),
    "4": (770, 1209), "5": (770, 1336), "6": (770, 1477), "B": (770, 1633),
    "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "C": (852, 1633),
    "*": (941, 1209), "0": (941, 1336), "#": (941, 1477), "D": (941, 1633),
}
PAUSES = {"w": 0.5, "W": 1.0}
DIGIT_TONE = 0.1  # seconds of tone per digit, then a gap of the same length
DIGIT_GAP = 0.1
AMPLITUDE = 8000  # about -12 dBFS, a usual level for signalling tones


def samples(seconds: float) -> int:
    return max(0, int(round(seconds * RATE)))


def silence(seconds: float) -> np.ndarray:
    return np.zeros(samples(seconds), dtype=np.int16)


def tone(frequencies: tuple[float, ...], seconds: float, amplitude: float = AMPLITUDE) -> np.ndarray:
    """The sum of sine waves at ``frequencies``, with 5 ms ramps so the edges do not click."""
    count = samples(seconds)
    t = np.arange(count) / RATE
    wave = sum(np.sin(2 * np.pi * f * t) for f in frequencies) / max(1, len(frequencies))
    ramp = min(count // 2, int(0.005 * RATE))
    envelope = np.ones(count)
    if ramp:
        envelope[:ramp] = np.linspace(0, 1, ramp)
        envelope[-ramp:] = np.linspace(1, 0, ramp)
    return (np.asarray(wave) * envelope * amplitude).astype(np.int16)


def beep(seconds: float = 0.25, frequency: float = 800) -> np.ndarray:
    return tone((frequency,), seconds)


def dtmf(digits: str, tone_seconds: float = DIGIT_TONE, gap_seconds: float = DIGIT_GAP) -> np.ndarray:
    """Each digit as its tone pair followed by a gap; ``w``/``W`` are 0.5 s / 1 s pauses; any other
    character is skipped."""
    parts = []
    for digit in digits:
        if digit in PAUSES:
            parts.append(silence(PAUSES[digit]))
        elif digit.upper() in DTMF_FREQUENCIES:
            parts.append(tone(DTMF_FREQUENCIES[digit.upper()], tone_seconds))
            parts.append(silence(gap_seconds))
    return np.concatenate(parts) if parts else silence(0)


def detect_dtmf(pcm: np.ndarray, frame_seconds: float = 0.05) -> str:
    """The DTMF digits in ``pcm`` (a frame-wise DFT at the eight DTMF frequencies; one digit per
    run of frames). Used to check recordings; the SIP network has its own in-band detector."""
    size = samples(frame_seconds)
    rows, cols = (697, 770, 852, 941), (1209, 1336, 1477, 1633)
    found, previous = [], ""
    t = np.arange(size) / RATE
    basis = {f: np.exp(-2j * np.pi * f * t) for f in rows + cols}
    for start in range(0, len(pcm) - size + 1, size):
        frame = pcm[start:start + size].astype(np.float64)
        energy = float(np.dot(frame, frame))
        power = {f: abs(np.dot(frame, basis[f])) ** 2 / size for f in basis}
        row, col = max(rows, key=power.get), max(cols, key=power.get)  # type: ignore[arg-type]
        digit = ""
        if energy > 0 and (power[row] + power[col]) * 2 / size > 0.5 * energy / size:
            digit = next(d for d, pair in DTMF_FREQUENCIES.items() if pair == (row, col))
        if digit and digit != previous:
            found.append(digit)
        previous = digit
    return "".join(found)
