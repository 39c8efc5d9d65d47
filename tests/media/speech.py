"""Speech for recognition tests: eSpeak NG through G.711, as a caller's would arrive.

eSpeak renders its female voice a little differently each time, and a few renderings of a short
word are not recognised at all (7 of 400 of "support": the grammar decoder takes the word for
silence). So a test measures over several renderings, or starts from one the recogniser is known
to understand."""

from switchboard.media import hints, tts
from switchboard.network.rtp import codec

HINTS = ("sales", "support")


def over_the_line(pcm: bytes) -> bytes:
    return codec.decode(codec.PCMU, codec.encode(codec.PCMU, pcm))


def renderings(text: str, voice: str = "WOMAN", count: int = 10) -> list[bytes]:
    """``count`` renderings of ``text`` (8 kHz PCM), each synthesised anew."""
    return [tts.render(text, voice) for _ in range(count)]


def recognisable(word: str, voice: str = "WOMAN") -> bytes:
    """A rendering of ``word`` that the recogniser understands offline after G.711 coding: for
    tests about what carries speech to it rather than about its accuracy."""
    for pcm in renderings(word, voice):
        if (hints.understood(over_the_line(pcm), HINTS) or ("",))[0] == word:
            return pcm
    raise AssertionError(f"no rendering of {word!r} ({voice}) is recognised offline")
