"""AuthSettings from the environment: defaults, and a refusal naming the variable."""

from __future__ import annotations

import pytest

from services.auth.settings import DEFAULT_KEY_DIR, AuthSettings
from services.common.settings import SettingsError, load_settings

DSN = {"FEEDMESH_PG_DSN": "postgresql://u:p@127.0.0.1:5432/db"}


def test_defaults() -> None:
    settings = load_settings(AuthSettings, DSN)
    assert (settings.service_name, settings.jwt_issuer, settings.jwt_audience) == ("auth", "feedmesh-auth", "feedmesh")
    assert settings.token_ttl_seconds == 3600
    assert settings.key_dir == DEFAULT_KEY_DIR
    assert DEFAULT_KEY_DIR.parts[-3:] == (".run", "secrets", "jwt")
    assert settings.hash_concurrency >= 1


def test_overrides() -> None:
    settings = load_settings(
        AuthSettings, {**DSN, "FEEDMESH_AUTH_KEY_DIR": "/tmp/ring", "FEEDMESH_TOKEN_TTL_SECONDS": "600"}
    )
    assert str(settings.key_dir) == "/tmp/ring"
    assert settings.token_ttl_seconds == 600


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({}, "FEEDMESH_PG_DSN"),
        ({**DSN, "FEEDMESH_TOKEN_TTL_SECONDS": "0"}, "FEEDMESH_TOKEN_TTL_SECONDS"),
        ({**DSN, "FEEDMESH_TOKEN_TTL_SECONDS": "soon"}, "FEEDMESH_TOKEN_TTL_SECONDS"),
        ({**DSN, "FEEDMESH_AUTH_KEY_ACTIVATION_SECONDS": "-1"}, "FEEDMESH_AUTH_KEY_ACTIVATION_SECONDS"),
        ({**DSN, "FEEDMESH_PASSWORD_MEMORY_KIB": "8"}, "FEEDMESH_PASSWORD_MEMORY_KIB"),
    ],
)
def test_bad_settings_name_the_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(AuthSettings, environ)
