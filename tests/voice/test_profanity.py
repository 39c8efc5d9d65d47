from switchboard.voice.profanity import mask


def test_profane_words_keep_their_first_letter() -> None:
    assert mask("this is Shit service, damn it") == "this is S*** service, d*** it"
    assert mask("classic assessment") == "classic assessment"  # whole words only
