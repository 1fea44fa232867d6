"""The saved session of `feedmesh login`: one JSON file in the user's config directory (typer.get_app_dir, or
FEEDMESH_CONFIG_DIR), readable by its owner only (0600, in a 0700 directory), since its access token acts as the user
until it expires."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import typer

from feedmesh_cli.api_errors import NotLoggedIn

CONFIG_DIR_VARIABLE = "FEEDMESH_CONFIG_DIR"
SESSION_FILE = "session.json"


@dataclass(frozen=True)
class Session:
    gateway_url: str
    user_id: str
    handle: str
    access_token: str
    expires_at: float  # Unix seconds

    @classmethod
    def from_login(cls, gateway_url: str, handle: str, answer: Mapping[str, object], now: float) -> Session:
        """From POST /v1/sessions' `{"accessToken", "expiresIn", "userId"}`."""
        expires_in = float(str(answer.get("expiresIn", "0")))
        return cls(gateway_url, str(answer["userId"]), handle, str(answer["accessToken"]), now + expires_in)

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


def config_dir() -> Path:
    return Path(os.environ.get(CONFIG_DIR_VARIABLE) or typer.get_app_dir("feedmesh"))


class TokenStore:
    def __init__(self, directory: Path):
        self.path = directory / SESSION_FILE

    def save(self, session: Session) -> None:
        """Replaces the saved session at once: a reader sees the old file or the new one, never a part."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = self.path.with_name(f".{SESSION_FILE}.{os.getpid()}")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            json.dump(asdict(session), out)
        os.chmod(partial, 0o600)  # an existing partial file keeps its mode through O_CREAT
        os.replace(partial, self.path)

    def load(self) -> Session | None:
        """The saved session; None when there is none or it cannot be read as one."""
        try:
            return Session(**json.loads(self.path.read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def delete(self) -> bool:
        """Forgets the saved session; False when there was none."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True

    def current(self, gateway_url: str, now: float | None = None) -> Session:
        """The session to call `gateway_url` with; NotLoggedIn says why there is none."""
        session = self.load()
        if session is None:
            raise NotLoggedIn(f"no saved session in {self.path}")
        if session.gateway_url.rstrip("/") != gateway_url.rstrip("/"):
            raise NotLoggedIn(f"the saved session is for {session.gateway_url}, not {gateway_url}")
        if session.expired(time.time() if now is None else now):
            raise NotLoggedIn(f"the session of @{session.handle} expired")
        return session
