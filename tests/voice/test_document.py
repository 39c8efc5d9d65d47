"""The Plivo XML validator on its own: documents the SDK's ``plivoxml`` builds parse with Plivo's
current defaults, and every kind of mistake is refused whole, with a message saying what is wrong
(the engine ends the call 8011–8014 with it in the debug log)."""

import pytest
from plivo import plivoxml

from switchboard.voice.document import MAX_BYTES, InvalidXml, parse


def test_sdk_documents_parse_with_plivos_current_defaults() -> None:
    response = plivoxml.ResponseElement()
    response.add_speak("Hello")
    response.add_play("https://example.com/a.mp3")
    response.add_wait()
    digits = plivoxml.GetDigitsElement(action="https://example.com/d")
    digits.add_speak("Press a key")
    response.add(digits)
    response.add(plivoxml.GetInputElement(action="https://example.com/i", input_type="dtmf speech"))
    response.add_record(action="https://example.com/r")
    response.add_dtmf("12")
    response.add_hangup()
    nodes = {node.name: node.attrs for node in parse(response.to_string(), base_url=None)}
    assert nodes["Speak"] == {"voice": "WOMAN", "language": "en-US", "loop": 1}
    assert nodes["Play"] == {"loop": 1}
    assert nodes["Wait"] == {"length": 1, "silence": False, "minSilence": 2000, "beep": False}
    assert {key: nodes["GetDigits"][key] for key in ("method", "timeout", "digitTimeout", "finishOnKey", "numDigits",
                                                       "retries", "redirect", "playBeep", "validDigits", "log")} == {
        "method": "POST", "timeout": 5, "digitTimeout": 2, "finishOnKey": "#", "numDigits": 99, "retries": 1,
        "redirect": True, "playBeep": False, "validDigits": "1234567890*#", "log": True}
    get_input = nodes["GetInput"]
    assert get_input["inputType"] == {"dtmf", "speech"} and get_input["executionTimeout"] == 15
    assert get_input["digitEndTimeout"] == get_input["speechEndTimeout"] == "auto" and get_input["numDigits"] == 32
    assert get_input["speechModel"] == "default" and get_input["profanityFilter"] is False
    assert {key: nodes["Record"][key] for key in ("fileFormat", "timeout", "maxLength", "finishOnKey", "playBeep")} == {
        "fileFormat": "mp3", "timeout": 15, "maxLength": 60, "finishOnKey": "#", "playBeep": True}
    assert nodes["DTMF"] == {"async": True}
    assert nodes["Hangup"] == {"reason": None, "schedule": None}


def test_loop_and_time_limits_are_cut_as_plivo_cuts_them() -> None:
    nodes = parse('<Response><Speak loop="20000">Hi</Speak><Play loop="0">https://example.com/a.wav</Play></Response>',
                  base_url=None)
    assert nodes[0]["loop"] == 10_000 and nodes[1]["loop"] == 0  # 0 = until the call ends


@pytest.mark.parametrize(("document", "why"), [
    ("", "empty document"),
    ("<Response><Speak>unclosed</Response>", "not well-formed"),
    ("<Document><Speak>Hi</Speak></Document>", "root element is <Document>"),
    ("<Response><Shout>Hi</Shout></Response>", "<Shout> is not a Plivo XML element"),
    ('<Response><Speak colour="red">Hi</Speak></Response>', "no attribute 'colour'"),
    ('<Response><Wait length="0"/></Response>', "<Wait length> must be at least 1"),
    ('<Response><GetDigits numDigits="0"/></Response>', "<GetDigits numDigits> must be at least 1"),
    ('<Response><GetDigits method="PUT"/></Response>', "must be GET or POST"),
    ('<Response><GetDigits finishOnKey="ab"/></Response>', "<GetDigits finishOnKey>"),
    ('<Response><GetDigits redirect="yes"/></Response>', "must be true or false"),
    ('<Response><GetDigits action="ftp://example.com/x"/></Response>', "http(s) URL"),
    ('<Response><Speak loop="-1">Hi</Speak></Response>', "<Speak loop> must be at least 0"),
    ('<Response><Speak voice="ROBOT">Hi</Speak></Response>', "<Speak voice>"),
    ('<Response><Speak language="xx-XX">Hi</Speak></Response>', "not a supported language"),
    ('<Response><Record fileFormat="ogg"/></Response>', "<Record fileFormat> must be one of mp3, wav"),
    ('<Response><GetInput action="/i"/></Response>', "needs the attribute 'inputType'"),
    ('<Response><GetInput action="/i" inputType="video"/></Response>', "<GetInput inputType>"),
    ('<Response><GetInput action="/i" inputType="speech" executionTimeout="4"/></Response>', "must be at least 5"),
    ('<Response><GetInput action="/i" inputType="speech" speechEndTimeout="11"/></Response>', "must be at most 10"),
    ('<Response><GetInput action="/i" inputType="speech" speechModel="fast"/></Response>', "<GetInput speechModel>"),
    ('<Response><Hangup reason="maybe"/></Response>', "<Hangup reason>"),
    ('<Response><Hangup schedule="0"/></Response>', "<Hangup schedule> must be at least 1"),
    ("<Response><DTMF>12x</DTMF></Response>", "<DTMF> digits"),
    ("<Response><Play><Speak>Hi</Speak></Play></Response>", "<Speak> is not nestable inside <Play>"),
    ("<Response><GetDigits><GetDigits/></GetDigits></Response>", "<GetDigits> is not nestable inside <GetDigits>"),
    ("<Response><GetDigits><Dial><Number>14155550100</Number></Dial></GetDigits></Response>", "not nestable"),
    ("<Response><Wait>hello</Wait></Response>", "<Wait> takes no text"),
    ("<Response><Play/></Response>", "<Play> needs a body (a URL)"),
    ("<Response><Redirect>  </Redirect></Response>", "<Redirect> needs a body"),
    ("<Response><Speak></Speak></Response>", "<Speak> needs text"),
    ("<Response><Speak>" + "a" * 3001 + "</Speak></Response>", "at most 3000"),
    ('<Response><Speak>Hi <break time="1s"/></Speak></Response>', "SSML inside <Speak> needs a Polly"),
    ('<Response><Speak voice="Polly.Joanna">Hi <blink/></Speak></Response>', "<blink> is not an SSML element"),
    ('<!DOCTYPE x [<!ENTITY a "b">]><Response><Speak>&a;</Speak></Response>', "DOCTYPE or ENTITY"),
    ("<Response><Speak>" + "Hi. " * (MAX_BYTES // 4) + "</Speak></Response>", "Plivo XML may be at most"),
    ('<Response><MultiPartyCall>room</MultiPartyCall></Response>', "needs the attribute 'role'"),
])
def test_mistakes_are_refused_whole(document: str, why: str) -> None:
    with pytest.raises(InvalidXml) as refused:
        parse(document, base_url=None)
    assert why in str(refused.value)
