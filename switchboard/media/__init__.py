"""Media: plain functions over PCM bytes and numpy arrays (text-to-speech, tones, encoding,
decoding, speech recognition). Telephony audio throughout is 8 kHz, 16-bit signed little-endian
mono PCM unless a function says otherwise. Heavy work (TTS, ASR, MP3 encoding) must run off the
event loop: each module says how."""

RATE = 8000
"""Samples per second of telephony audio."""
