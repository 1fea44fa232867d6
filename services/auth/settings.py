"""The auth service's settings, from FEEDMESH_* environment variables (see services.common.settings)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from services.common.settings import ServerSettings, SettingsError, env_name

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_KEY_DIR = REPO_ROOT / ".run" / "secrets" / "jwt"  # .run/ is git-ignored state
DEFAULT_TOKEN_TTL_SECONDS = 3600
# The gateway caches the JWKS: a new key is published this long before it signs (keep the cache shorter).
DEFAULT_KEY_ACTIVATION_SECONDS = 300.0


def resolve_key_dir(configured: str) -> Path:
    return Path(configured) if configured else DEFAULT_KEY_DIR


@dataclass(frozen=True)
class KeyRingSettings:
    """What `python -m services.auth.keys` needs: the ring's directory and timing, without the server's settings."""

    auth_key_dir: str = ""
    auth_key_activation_seconds: float = DEFAULT_KEY_ACTIVATION_SECONDS
    token_ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS

    @property
    def key_dir(self) -> Path:
        return resolve_key_dir(self.auth_key_dir)


@dataclass(frozen=True)
class AuthSettings(ServerSettings):
    service_name: str = "auth"
    pg_dsn: str = ""
    jwt_issuer: str = "feedmesh-auth"
    jwt_audience: str = "feedmesh"
    token_ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS
    auth_key_dir: str = ""  # empty: <repo>/.run/secrets/jwt
    auth_key_activation_seconds: float = DEFAULT_KEY_ACTIVATION_SECONDS
    # argon2id parameters (argon2-cffi's RFC 9106 low-memory profile); raising them upgrades hashes at next login
    password_time_cost: int = 3
    password_memory_kib: int = 65536
    password_parallelism: int = 4
    password_hash_concurrency: int = 0  # hashes computed at once; 0: one per CPU
    pg_pool_max_size: int = 10

    @property
    def key_dir(self) -> Path:
        return resolve_key_dir(self.auth_key_dir)

    @property
    def hash_concurrency(self) -> int:
        return self.password_hash_concurrency or os.cpu_count() or 1

    def validate(self) -> None:
        super().validate()
        if not self.pg_dsn:
            raise SettingsError(f"{env_name('pg_dsn')} is required but not set")
        for name in ("jwt_issuer", "jwt_audience"):
            if not getattr(self, name):
                raise SettingsError(f"{env_name(name)} must not be empty")
        if self.token_ttl_seconds <= 0:
            raise SettingsError(f"{env_name('token_ttl_seconds')} must be > 0")
        if self.auth_key_activation_seconds < 0:
            raise SettingsError(f"{env_name('auth_key_activation_seconds')} must be >= 0")
        if self.password_time_cost < 1 or self.password_parallelism < 1:
            raise SettingsError(f"{env_name('password_time_cost')} and {env_name('password_parallelism')} must be >= 1")
        if self.password_memory_kib < 8 * self.password_parallelism:
            raise SettingsError(f"{env_name('password_memory_kib')} must be at least 8 x the parallelism")
        if self.password_hash_concurrency < 0 or self.pg_pool_max_size < 1:
            raise SettingsError(
                f"{env_name('password_hash_concurrency')} must be >= 0 and {env_name('pg_pool_max_size')} >= 1"
            )
