"""The conformance runs share one virtual-clock server per backend (the voice tests' fixture)."""

from tests.voice.conftest import voice_server  # noqa: F401  (fixture)
