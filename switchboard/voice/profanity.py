"""GetInput ``profanityFilter``: profane words in a speech result are masked as Plivo's recogniser
masks them, the first letter kept and the rest starred ("f***"). The list is short and English:
the words a caller is likely to say, not a dictionary of insults."""

import re

PROFANE = frozenset({
    "arse", "arsehole", "ass", "asshole", "bastard", "bitch", "bollocks", "bullshit", "crap", "cunt", "damn",
    "dick", "fuck", "fucked", "fucker", "fucking", "goddamn", "motherfucker", "piss", "pissed", "prick", "shit",
    "shitty", "slut", "twat", "wanker", "whore",
})
_WORD = re.compile(r"[A-Za-z']+")


def mask(text: str) -> str:
    """``text`` with each profane word replaced by its first letter and one star per other letter."""
    return _WORD.sub(lambda m: m[0][0] + "*" * (len(m[0]) - 1) if m[0].lower() in PROFANE else m[0], text)
