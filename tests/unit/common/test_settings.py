from __future__ import annotations

import dataclasses

import pytest

from services.common.settings import ServerSettings, SettingsError, load_settings


@dataclasses.dataclass(frozen=True)
class ExampleSettings(ServerSettings):
    pg_dsn: str = dataclasses.field(default="")
    celebrity_threshold: int = 10_000
    kafka_hosts: tuple[str, ...] = ()
    debug: bool = False


@dataclasses.dataclass(frozen=True)
class RequiredSettings:
    redis_url: str


def test_reads_typed_values_from_prefixed_variables() -> None:
    settings = load_settings(
        ExampleSettings,
        {
            "FEEDMESH_CELEBRITY_THRESHOLD": "5",
            "FEEDMESH_KAFKA_HOSTS": "a:1, b:2",
            "FEEDMESH_DEBUG": "true",
            "FEEDMESH_LISTEN_ADDRESS": "127.0.0.1:50051",
        },
    )
    assert settings.celebrity_threshold == 5
    assert settings.kafka_hosts == ("a:1", "b:2")
    assert settings.debug is True
    assert settings.listen_address == "127.0.0.1:50051"


def test_defaults_apply_when_unset() -> None:
    assert load_settings(ExampleSettings, {}).celebrity_threshold == 10_000


def test_missing_required_variable_is_named() -> None:
    with pytest.raises(SettingsError, match="FEEDMESH_REDIS_URL is required"):
        load_settings(RequiredSettings, {})


def test_malformed_value_names_variable_and_value() -> None:
    with pytest.raises(SettingsError, match=r"FEEDMESH_CELEBRITY_THRESHOLD='lots'"):
        load_settings(ExampleSettings, {"FEEDMESH_CELEBRITY_THRESHOLD": "lots"})


def test_validation_rejects_bad_address() -> None:
    with pytest.raises(SettingsError, match="FEEDMESH_LISTEN_ADDRESS"):
        load_settings(ServerSettings, {"FEEDMESH_LISTEN_ADDRESS": "nowhere"})


def test_the_gil_switch_interval_is_read_and_must_be_positive() -> None:
    assert load_settings(ExampleSettings, {"FEEDMESH_GIL_SWITCH_INTERVAL_MS": "2.5"}).gil_switch_interval_ms == 2.5
    with pytest.raises(SettingsError, match="FEEDMESH_GIL_SWITCH_INTERVAL_MS"):
        load_settings(ExampleSettings, {"FEEDMESH_GIL_SWITCH_INTERVAL_MS": "0"})
