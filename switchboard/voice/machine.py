"""Answering-machine detection on an outbound call, from what the far end does after answering.

A person answers with a short "hello?" and waits; a machine plays a long greeting. Within
``machine_detection_time`` the first utterance is measured: longer than the speech threshold, or
more words than the maximum, means a machine. Silence for the whole initial-silence window is
reported as a person (Plivo's result is only true/false; a silent line is not evidence of a
machine).
"""

from switchboard.network.channel import CallLeg
from switchboard.voice.call import CallOptions


async def is_machine(leg: CallLeg, options: CallOptions) -> bool:
    window = options.machine_detection_time / 1000.0
    heard = await leg.first_speech(min(window, options.machine_detection_initial_silence / 1000.0)
                                   if options.machine_detection_initial_silence < options.machine_detection_time else window)
    if heard is None:
        return False
    if heard.seconds * 1000 >= options.machine_detection_speech_threshold:
        return True
    return len(heard.text.split()) > options.machine_detection_maximum_words
