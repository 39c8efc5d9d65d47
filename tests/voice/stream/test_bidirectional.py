"""Bidirectional streams: the agent's audio is played to the caller (and heard: the simulated phone
recognises it), checkpoints are answered once the audio before them has played, ``clearAudio``
cuts playback short (barge-in) and is answered, ``sendDTMF`` reaches the caller."""

from tests.voice.conftest import Sim, kinds
from tests.voice.customer_app import CustomerApp
from tests.voice.recording.conftest import inbound
from tests.voice.stream.agent import Agent
from tests.voice.stream.test_stream import stream_xml

GREETING = "thank you for calling goodbye"
LONG = " ".join(["please listen carefully to the following long list of options"] * 4)


def test_played_audio_is_heard_then_the_checkpoint_is_answered(sim: Sim, customer: CustomerApp, agent: Agent) -> None:
    customer.route("/stream-status", "")
    agent.greeting, agent.send_dtmf = GREETING, "1#"
    inbound(sim, customer, "14155558811", stream_xml(agent, customer, bidirectional="true", keepCallAlive="true"),
            [{"wait": 4}, {"hangup": True}])
    agent.wait_closed()
    assert agent.errors == [] and agent.played == ["greeting"] and agent.cleared == 0
    log = sim.log("14155558811")
    [heard] = [e for e in kinds(log, "heard_audio") if e.get("source") == "stream"]
    assert 1.2 <= heard["seconds"] <= 3.5 and "interrupted_after" not in heard
    # what the agent said went through the recogniser: words, not silence (pocketsphinx without hints, whose
    # normalisation carries over from earlier utterances in the process, gets them only roughly right)
    assert len(wait_for_text(sim, "14155558811").split()) >= 2
    assert [e["digits"] for e in kinds(log, "received_digits")] == ["1#"]
    played = next(m for m in agent.raw if m["event"] == "playedStream")
    assert played["name"] == "greeting" and played["streamId"] == agent.starts[0].start.stream_id


def test_barge_in_clears_a_long_prompt_and_its_checkpoint_never_comes(sim: Sim, customer: CustomerApp,
                                                                     agent: Agent) -> None:
    customer.route("/stream-status", "")
    agent.greeting, agent.barge_in = LONG, True
    inbound(sim, customer, "14155558812",
            stream_xml(agent, customer, bidirectional="true", keepCallAlive="true", contentType="audio/x-mulaw;rate=8000"),
            [{"wait": 2}, {"say": "stop I want to speak to a person"}, {"wait": 2}, {"hangup": True}])
    agent.wait_closed()
    assert agent.errors == [] and agent.cleared == 1 and agent.played == []
    heard = [e for e in kinds(sim.log("14155558812"), "heard_audio") if e.get("source") == "stream"]
    # played as it arrived (one entry per run of queued audio), cut short when the caller spoke, nothing after
    assert [e for e in heard if "interrupted_after" in e] == heard[-1:]
    assert 1.5 <= sum(e["seconds"] for e in heard[:-1]) + heard[-1]["interrupted_after"] <= 5
    cleared = next(m for m in agent.raw if m["event"] == "clearedAudio")
    assert cleared["streamId"] == agent.starts[0].start.stream_id and cleared["sequenceNumber"] > 1


def wait_for_text(sim: Sim, phone: str) -> str:
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for entry in kinds(sim.log(phone), "heard_audio"):
            if "text" in entry:
                return str(entry["text"])
        time.sleep(0.05)
    raise AssertionError("the played audio was not recognised")
