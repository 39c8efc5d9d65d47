"""The simulated recogniser's rules (network/sim/recogniser.py): language, hints, model."""

import pytest

from switchboard.network.channel import Recognition, Utterance
from switchboard.network.sim.recogniser import recognise


def heard(text: str, language: str = "en-US") -> Utterance:
    return Utterance(text, 1.0, 1.5, language)


def test_language_must_match_the_recogniser() -> None:
    assert recognise(heard("bonjour", "fr-FR"), Recognition(language="en-US")) is None
    french = recognise(heard("bonjour", "fr-FR"), Recognition(language="fr-FR"))
    assert french is not None and french.text == "bonjour" and french.confidence == 0.8
    british = recognise(heard("billing please", "en-GB"), Recognition(language="en-US"))
    assert british is not None and british.confidence == 0.75  # same language, other region


def test_hints_pick_the_phrase_said() -> None:
    hints = ("sales", "billing")
    exact = recognise(heard("Billing!"), Recognition(hints=hints))
    within = recognise(heard("billing please"), Recognition(hints=hints))
    other = recognise(heard("support please"), Recognition(hints=hints))
    assert exact is not None and (exact.text, exact.confidence) == ("billing", 0.95)
    assert within is not None and (within.text, within.confidence) == ("billing", 0.9)
    assert other is not None and (other.text, other.confidence) == ("support please", 0.6)
    interim = recognise(heard("billing"), Recognition(hints=hints), partial=True)
    assert interim is not None and interim.confidence == 0.6  # a partial result is not matched to hints


@pytest.mark.parametrize(("model", "short", "long"), [
    ("default", 0.8, 0.8), ("phone_call", 0.84, 0.84), ("command_and_search", 0.84, 0.7),
])
def test_models(model: str, short: float, long: float) -> None:
    said_short = recognise(heard("check my balance"), Recognition(model=model))
    said_long = recognise(heard("I would like to check the balance of my account"), Recognition(model=model))
    assert said_short is not None and said_short.confidence == short
    assert said_long is not None and said_long.confidence == long
