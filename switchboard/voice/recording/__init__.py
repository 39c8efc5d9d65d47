"""Recordings: the ``<Record>`` element, ``Call/{uuid}/Record/``, the Recording and Transcription
resources, the files behind them, and the recorder that turns what a leg carried into audio."""
