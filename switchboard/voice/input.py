"""Collecting input: ``<GetDigits>`` (DTMF) and ``<GetInput>`` (DTMF and/or speech).

Both play their nested prompts, which the caller's first key (or first word) cuts short, then
wait for input. They return the action parameters, or None when there was no input (Plivo then
makes no request and runs the next element).
"""

import asyncio
from typing import TYPE_CHECKING, Any

from switchboard.network.channel import Beep, Interrupt, Recognition, Utterance
from switchboard.voice.document import Node
from switchboard.voice.profanity import mask

if TYPE_CHECKING:
    from switchboard.voice.interpreter import Interpreter

AUTO_DIGIT_END = 3.0


async def _prompts(interp: "Interpreter", node: Node, base: str, interrupt: Interrupt) -> None:
    for child in node.children:
        if not await interp.play_prompt(child, base, interrupt):
            return


async def _more_digits(interp: "Interpreter", first: str, gap: float, num_digits: int, finish_on_key: str) -> str:
    """The digits after ``first`` until ``num_digits``, the finish key (not included), or ``gap``
    seconds without a key."""
    digits = ""
    digit: str | None = first
    while digit is not None:
        if finish_on_key and digit == finish_on_key:
            break
        digits += digit
        if len(digits) >= num_digits:
            break
        digit = await interp.leg.next_digit(gap)
    return digits


async def get_digits(interp: "Interpreter", node: Node, base: str) -> dict[str, Any] | None:
    leg = interp.leg
    leg.flush_digits()
    for _ in range(node["retries"]):
        await _prompts(interp, node, base, Interrupt(digits=True))
        if not leg.is_up:
            return None
        if node["playBeep"]:
            await leg.play(Beep())
        first = await leg.next_digit(float(node["timeout"]))
        if first is None:
            continue
        digits = await _more_digits(interp, first, float(node["digitTimeout"]), node["numDigits"], node["finishOnKey"])
        if not digits:
            continue
        if any(ch not in node["validDigits"] for ch in digits):
            if node["invalidDigitsSound"]:
                sound = Node("Play", {"loop": 1}, node["invalidDigitsSound"])
                await interp.play_prompt(sound, base)
            leg.flush_digits()
            continue
        return {"Digits": digits}
    return None


async def _first_input(interp: "Interpreter", node: Node, timeout: float) -> tuple[str, Any] | None:
    """Race the first key against the first utterance; whichever comes first within ``timeout``."""
    leg = interp.leg
    waiting: dict[asyncio.Task[Any], str] = {}
    if "dtmf" in node["inputType"]:
        waiting[asyncio.create_task(leg.next_digit(timeout))] = "dtmf"
    if "speech" in node["inputType"]:
        waiting[asyncio.create_task(leg.next_utterance(timeout, _recognition(interp, node)))] = "speech"
    winner: tuple[str, Any] | None = None
    try:
        while waiting and winner is None:
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                kind = waiting.pop(task)
                if task.result() is not None and winner is None:
                    winner = (kind, task.result())
    finally:
        for task in waiting:
            task.cancel()
    return winner


async def get_input(interp: "Interpreter", node: Node, base: str) -> dict[str, Any] | None:
    leg = interp.leg
    kinds = node["inputType"]
    leg.flush_digits()
    leg.flush_utterances()
    await _prompts(interp, node, base, Interrupt(digits="dtmf" in kinds, speech="speech" in kinds))
    if not leg.is_up:
        return None
    first = await _first_input(interp, node, float(node["executionTimeout"]))
    if first is None:
        return None
    kind, value = first
    if kind == "dtmf":
        gap = AUTO_DIGIT_END if node["digitEndTimeout"] == "auto" else float(node["digitEndTimeout"])
        digits = await _more_digits(interp, value, gap, node["numDigits"], node["finishOnKey"])
        if not digits:
            return None
        return {"InputType": "dtmf", "Digits": digits, "Speech": "", "SpeechConfidenceScore": "0",
                "BilledAmount": "0.00000"}
    utterance: Utterance = value
    text = mask(utterance.text) if node["profanityFilter"] else utterance.text
    return {"InputType": "speech", "Digits": "", "Speech": text,
            "SpeechConfidenceScore": f"{utterance.confidence:.2f}", "BilledAmount": "0.00000"}


def _recognition(interp: "Interpreter", node: Node) -> Recognition:
    """GetInput's recogniser settings; with ``interimSpeechResultsCallback``, each interim result
    (the caller still speaking) is posted there: ``StableSpeech`` (the words so far but the last),
    ``UnstableSpeech`` (the last, which may still change), ``Stability``, ``SequenceNumber``."""
    url = node["interimSpeechResultsCallback"]
    sequence = 0

    def interim(partial: Utterance) -> None:
        nonlocal sequence
        sequence += 1
        text = mask(partial.text) if node["profanityFilter"] else partial.text
        *stable, unstable = text.split() or [""]
        params = interp.call.params(StableSpeech=" ".join(stable), UnstableSpeech=unstable,
                                    Stability=f"{partial.confidence:.2f}", SequenceNumber=str(sequence))
        interp.engine.spawn(interp.engine.notify(interp.call, url, params,
                                                 node["interimSpeechResultsCallbackMethod"], "call.interim_speech"),
                            f"interim-{interp.call.call_uuid}-{sequence}")

    end = None if node["speechEndTimeout"] == "auto" else float(node["speechEndTimeout"])
    return Recognition(tuple(node["hints"]), node["language"], node["speechModel"], interim if url else None, end)
