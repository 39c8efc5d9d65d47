"""Where recording files live. :class:`RecordingStore` is the interface (an S3-compatible store can
implement it later); :class:`LocalStore` keeps files under ``<data dir>/recordings``.

A file is written to a temporary name, flushed to disk and renamed into place, so a crash or a
full disk never leaves a partial file under a recording's name; before writing, the store keeps
``reserve_bytes`` of the disk free for the database and refuses the file instead.
"""

import os
import re
import shutil
import tempfile
import time
from abc import ABC, abstractmethod
from pathlib import Path

DEFAULT_RESERVE = 64 * 1024 * 1024
PARTIAL = ".part-"  # the prefix of a file being written (renamed to its key once whole)
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class StorageFull(Exception):
    """The file was not stored: the disk is (nearly) full."""


class RecordingStore(ABC):
    @abstractmethod
    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` whole, or raise :class:`StorageFull` leaving nothing."""

    @abstractmethod
    def path(self, key: str) -> Path | None:
        """A local file to serve for ``key``, or None if it is not stored."""

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Remove ``key``; False if it was not there."""

    @abstractmethod
    def has_room(self, size: int = 0) -> bool:
        """Whether ``size`` more bytes fit (a recording is refused up front when not)."""

    def remove_partial(self, older_than: float) -> int:
        """Remove what interrupted writes left behind more than ``older_than`` seconds ago; how many."""
        return 0


class LocalStore(RecordingStore):
    def __init__(self, root: Path, reserve_bytes: int = DEFAULT_RESERVE):
        self.root = Path(root)
        self.reserve_bytes = reserve_bytes

    def _file(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"bad storage key {key!r}")
        return self.root / key[:2] / key

    def has_room(self, size: int = 0) -> bool:
        self.root.mkdir(parents=True, exist_ok=True)
        return shutil.disk_usage(self.root).free - size >= self.reserve_bytes

    def put(self, key: str, data: bytes) -> None:
        target = self._file(key)
        if not self.has_room(len(data)):
            raise StorageFull(f"less than {self.reserve_bytes} bytes would be left free in {self.root}")
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=PARTIAL)
        try:
            with os.fdopen(handle, "wb") as part:
                part.write(data)
                part.flush()
                os.fsync(part.fileno())
            os.replace(temporary, target)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise StorageFull(f"could not write {key}: {exc}") from exc

    def remove_partial(self, older_than: float) -> int:
        cutoff, removed = time.time() - older_than, 0
        for part in self.root.glob(f"*/{PARTIAL}*"):
            try:
                if part.stat().st_mtime < cutoff:
                    part.unlink()
                    removed += 1
            except FileNotFoundError:
                pass  # another node's cleanup got there first
        return removed

    def path(self, key: str) -> Path | None:
        try:
            target = self._file(key)
        except ValueError:
            return None
        return target if target.is_file() else None

    def delete(self, key: str) -> bool:
        target = self.path(key)
        if target is None:
            return False
        target.unlink(missing_ok=True)
        return True
