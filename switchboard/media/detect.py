"""Tone detectors for received telephone audio, fed one 20 ms frame (160 samples) at a time:
in-band DTMF (Goertzel at the eight Q.23 frequencies) and a voicemail beep (one sustained tone).

DTMF acceptance follows the usual receiver checks (ITU-T Q.24 in spirit): both tones strongest in
their group and well above their neighbours, together most of the frame's energy (speech fails
this), twist within 8 dB normal (row louder) and 4 dB reverse, present for two frames (40 ms)
before the digit is reported once, and absent for two frames before another can start.
Cheap enough for the event loop: one 16×160 matrix product per frame.
"""

import numpy as np

from switchboard.media import RATE
from switchboard.media.tones import DTMF_FREQUENCIES

FRAME = 160
ROWS, COLS = (697, 770, 852, 941), (1209, 1336, 1477, 1633)
MIN_RMS = 150.0
TONE_SHARE = 0.6  # of the frame's energy in the two tones
NEIGHBOUR_RATIO = 4.0  # 6 dB over the next strongest in the group
NORMAL_TWIST = 10 ** 0.8  # row up to 8 dB louder than column
REVERSE_TWIST = 10 ** 0.4  # column up to 4 dB louder than row
PRESENT_FRAMES = 2
ABSENT_FRAMES = 2
_t = np.arange(FRAME) / RATE
_BASIS = np.exp(-2j * np.pi * np.outer(ROWS + COLS, _t))
_DIGITS = {pair: digit for digit, pair in DTMF_FREQUENCIES.items()}


def dtmf_frame(frame: np.ndarray) -> str:
    """The digit whose tone pair this frame holds, or ""."""
    x = frame.astype(np.float64)
    energy = float(np.dot(x, x))
    if energy < MIN_RMS ** 2 * len(x):
        return ""
    power = np.abs(_BASIS[:, :len(x)] @ x) ** 2 * 2 / len(x)
    rows, cols = power[:4], power[4:]
    r, c = int(np.argmax(rows)), int(np.argmax(cols))
    row, col = rows[r], cols[c]
    if (row + col) < TONE_SHARE * energy:
        return ""
    if any(row < NEIGHBOUR_RATIO * other for i, other in enumerate(rows) if i != r):
        return ""
    if any(col < NEIGHBOUR_RATIO * other for i, other in enumerate(cols) if i != c):
        return ""
    if row > NORMAL_TWIST * col or col > REVERSE_TWIST * row:
        return ""
    return _DIGITS[(ROWS[r], COLS[c])]


class DtmfDetector:
    """Digits from consecutive frames, each reported once per key press."""

    def __init__(self) -> None:
        self.candidate, self.count = "", 0
        self.current, self.absent = "", 0

    @property
    def in_tone(self) -> bool:
        """A digit's tones are on the line (its frames are not speech)."""
        return bool(self.current or self.candidate)

    def feed(self, frame: np.ndarray) -> str | None:
        digit = dtmf_frame(frame)
        if self.current:
            if digit == self.current:
                self.absent = 0
                return None
            self.absent += 1
            if self.absent < ABSENT_FRAMES:
                return None
            self.current, self.absent = "", 0
        if digit and digit == self.candidate:
            self.count += 1
        else:
            self.candidate, self.count = digit, 1 if digit else 0
        if self.candidate and self.count >= PRESENT_FRAMES:
            self.current, self.candidate, self.count = self.candidate, "", 0
            return self.current
        return None


BEEP_LOW, BEEP_HIGH = 300.0, 3000.0
BEEP_SHARE = 0.8  # of the frame's energy within a bin or two of the peak
BEEP_FRAMES = 8  # 160 ms of one steady tone
_WINDOW = np.hanning(FRAME)
_HZ_PER_BIN = RATE / FRAME


class BeepDetector:
    """A single steady tone (a voicemail beep: 1 kHz class, 300–3000 Hz) held for 160 ms. Speech
    spreads its energy over harmonics and DTMF over two tones, so neither passes."""

    def __init__(self) -> None:
        self.peak, self.count = -10, 0

    def feed(self, frame: np.ndarray) -> bool:
        peak = _tonal_peak(frame)
        if peak is None or abs(peak - self.peak) > 1:
            self.peak, self.count = (peak, 1) if peak is not None else (-10, 0)
        else:
            self.count += 1
        return self.count >= BEEP_FRAMES


def _tonal_peak(frame: np.ndarray) -> int | None:
    x = frame.astype(np.float64)
    if len(x) != FRAME or float(np.dot(x, x)) < MIN_RMS ** 2 * FRAME:
        return None
    spectrum = np.abs(np.fft.rfft(x * _WINDOW)) ** 2
    spectrum[0] = 0.0
    peak = int(np.argmax(spectrum))
    if not BEEP_LOW <= peak * _HZ_PER_BIN <= BEEP_HIGH:
        return None
    near = float(spectrum[max(0, peak - 2):peak + 3].sum())
    return peak if near >= BEEP_SHARE * float(spectrum.sum()) else None
