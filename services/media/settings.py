"""The media service's settings, from FEEDMESH_* environment variables (see services.common.settings)."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.settings import S3Settings, ServerSettings, SettingsError, env_name
from services.media.domain.retention import DEFAULT_RETENTION_SECONDS, check_retention
from services.media.domain.uploads import DEFAULT_MAX_BYTES


@dataclass(frozen=True, kw_only=True)
class MediaSettings(S3Settings, ServerSettings):
    service_name: str = "media"
    listen_address: str = "127.0.0.1:50058"
    metrics_port: int = 9108
    # Where clients reach the object store when that is not `s3_endpoint` (a public host name, or a proxy that keeps
    # the Host header): presigned upload URLs are signed for this host. Empty: `s3_endpoint`.
    s3_public_endpoint: str = ""
    s3_bucket: str
    # Uploads are recorded here (schema/postgres/0050_media_uploads.sql).
    pg_dsn: str
    media_max_bytes: int = DEFAULT_MAX_BYTES
    media_upload_ttl_seconds: int = 900
    # How many head_object calls one BatchCheckMedia runs at once.
    media_check_concurrency: int = 16
    # Uploads no post attached within this many seconds are deleted, object and row (domain/retention.py), by a
    # sweep every `media_sweep_seconds`.
    media_unattached_retention_seconds: int = DEFAULT_RETENTION_SECONDS
    media_sweep_seconds: float = 600.0

    def validate(self) -> None:
        super().validate()
        self.check_s3()
        if self.s3_public_endpoint and not self.s3_public_endpoint.startswith(("http://", "https://")):
            raise SettingsError(
                f"{env_name('s3_public_endpoint')}={self.s3_public_endpoint!r}: expected an http(s) URL"
            )
        if self.media_max_bytes <= 0:
            raise SettingsError(f"{env_name('media_max_bytes')} must be > 0")
        if not 1 <= self.media_upload_ttl_seconds <= 7 * 24 * 3600:
            raise SettingsError(f"{env_name('media_upload_ttl_seconds')} must be between 1 and 604800")
        try:
            check_retention(self.media_unattached_retention_seconds, self.media_upload_ttl_seconds)
        except ValueError as exc:
            raise SettingsError(f"{env_name('media_unattached_retention_seconds')} {exc}") from None
        if self.media_sweep_seconds <= 0:
            raise SettingsError(f"{env_name('media_sweep_seconds')} must be > 0")
        if not self.pg_dsn:
            raise SettingsError(f"{env_name('pg_dsn')} is required but not set")
        if self.media_check_concurrency < 1:
            raise SettingsError(f"{env_name('media_check_concurrency')} must be >= 1")
