"""The media service's object-store endpoints must be URLs; the public one is optional."""

from __future__ import annotations

import pytest

from services.common.settings import SettingsError, load_settings
from services.media.settings import MediaSettings

REQUIRED = {
    "FEEDMESH_S3_ENDPOINT": "http://127.0.0.1:7070",
    "FEEDMESH_S3_BUCKET": "media",
    "FEEDMESH_S3_ACCESS_KEY": "k",
    "FEEDMESH_S3_SECRET_KEY": "s",
    "FEEDMESH_PG_DSN": "postgresql://x@127.0.0.1/db",
}


def test_the_public_endpoint_is_optional() -> None:
    assert load_settings(MediaSettings, REQUIRED).s3_public_endpoint == ""
    public = load_settings(MediaSettings, {**REQUIRED, "FEEDMESH_S3_PUBLIC_ENDPOINT": "https://media.example.org"})
    assert public.s3_public_endpoint == "https://media.example.org"


def test_a_public_endpoint_that_is_no_url_is_refused_by_name() -> None:
    with pytest.raises(SettingsError, match="FEEDMESH_S3_PUBLIC_ENDPOINT"):
        load_settings(MediaSettings, {**REQUIRED, "FEEDMESH_S3_PUBLIC_ENDPOINT": "media.example.org"})


def test_a_retention_shorter_than_the_upload_ttl_plus_an_hour_is_refused_by_name() -> None:
    too_short = {**REQUIRED, "FEEDMESH_MEDIA_UNATTACHED_RETENTION_SECONDS": "3000"}
    with pytest.raises(SettingsError, match="FEEDMESH_MEDIA_UNATTACHED_RETENTION_SECONDS"):
        load_settings(MediaSettings, too_short)
