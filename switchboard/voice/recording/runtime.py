"""Building the recording service for the app: the local store under the data directory, the TTS
cache beside it, and the upkeep (leases, a crashed node's rows, retention)."""

from fastapi import FastAPI

from switchboard.config import Settings
from switchboard.media import tts
from switchboard.voice.recording.service import Recordings
from switchboard.voice.recording.storage import LocalStore
from switchboard.voice.recording.upkeep import run_upkeep


def build_recordings(app: FastAPI) -> Recordings:
    settings: Settings = app.state.settings
    voice = app.state.voice
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    tts.set_cache_dir(settings.data_dir / "tts-cache")
    store = LocalStore(settings.data_dir / "recordings", settings.recording_reserve_bytes)
    recordings = Recordings(voice.sessionmaker, voice.clock, voice.webhooks, store, voice.audio,
                            settings.resolved_public_url, settings.recording_retention_days)
    recordings.spawn(run_upkeep(recordings, single_node=app.state.db.backend == "sqlite"), "recording-upkeep")
    return recordings
