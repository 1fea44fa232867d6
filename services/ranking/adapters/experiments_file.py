"""The experiments config file, read again when its modification time or size changes (a stat per poll)."""

from __future__ import annotations

import os
from pathlib import Path


class ExperimentsFile:
    """Implements app.ports.ExperimentsSource."""

    def __init__(self, path: Path):
        self.path = path
        self._seen: tuple[int, int] | None = None

    def changed(self) -> str | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            stamp = (-1, -1)
        else:
            stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp == self._seen:
            return None
        self._seen = stamp
        if stamp == (-1, -1):
            return ""
        return self.path.read_text()


def resolve(path: str, root: Path) -> Path:
    """A relative path is taken from the repository root, wherever the process was started."""
    candidate = Path(os.path.expanduser(path))
    return candidate if candidate.is_absolute() else root / candidate
