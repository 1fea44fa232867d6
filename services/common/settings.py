"""Typed settings from `FEEDMESH_*` environment variables.

Each service declares a frozen dataclass; `load_settings` fills it from the environment, one variable per field
(`FEEDMESH_<FIELD_NAME_UPPER>`), converting by the field's annotation. A missing required variable or a value that
does not parse stops the service at start with a message naming the variable, instead of failing on first use.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

PREFIX = "FEEDMESH_"
# cassandra-driver's ConsistencyLevel names that make sense for our reads and writes
CASSANDRA_CONSISTENCY_LEVELS = ("ONE", "LOCAL_ONE", "TWO", "QUORUM", "LOCAL_QUORUM", "ALL")

S = TypeVar("S")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the environment variable."""


def env_name(field_name: str) -> str:
    return PREFIX + field_name.upper()


def _parse(raw: str, kind: Any, name: str) -> Any:
    try:
        if kind is bool:
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off"}:
                return False
            raise ValueError("expected true/false")
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        if kind is str:
            return raw
        if typing.get_origin(kind) is tuple:
            item_kind = typing.get_args(kind)[0]  # tuple[int, ...]: the items' type comes first
            return tuple(_parse(part.strip(), item_kind, name) for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r} is not a valid {getattr(kind, '__name__', kind)}: {exc}") from None
    raise SettingsError(f"{name}: unsupported setting type {kind!r}")


def load_settings(cls: type[S], environ: Mapping[str, str] | None = None) -> S:
    """Builds `cls` (a dataclass) from the environment, failing fast with the variable's name."""
    env = os.environ if environ is None else environ
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        name = env_name(field.name)
        if name in env and env[name] != "":
            values[field.name] = _parse(env[name], hints[field.name], name)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise SettingsError(f"{name} is required but not set")
    settings = cls(**values)
    validate = getattr(settings, "validate", None)
    if callable(validate):
        validate()
    return settings


def require_positive(settings: object, *names: str) -> None:
    """Raises SettingsError naming the first of these fields that is not > 0."""
    for name in names:
        value = getattr(settings, name)
        if value <= 0:
            raise SettingsError(f"{env_name(name)} must be > 0, got {value}")


@dataclasses.dataclass(frozen=True)
class ServerSettings:
    """What every service's server needs; services embed these fields by subclassing."""

    service_name: str = "feedmesh"
    listen_address: str = "127.0.0.1:0"
    metrics_port: int = 0
    shutdown_grace_seconds: float = 10.0
    default_deadline_seconds: float = 2.0
    log_level: str = "INFO"
    # How long a thread may hold the GIL while another waits for it (CPython's default: 5 ms). A service's event
    # loop shares the GIL with kafka-python's, the Cassandra driver's and gRPC's threads, and at 5 ms it is handed
    # back and forth more often than work is done in between; 20 ms gives the shortest freshness tail (bench/README.md).
    gil_switch_interval_ms: float = 20.0
    # The trace backend spans go to (stack/defaults.env; empty: none recorded) and the percent of untraced work
    # that starts a sampled trace (docs/observability.md, Traces).
    traces_url: str = ""
    trace_sample_percent: float = 1.0
    # The heap diagnostic (services.common.heap_trace, docs/observability.md): off by default; on, SIGUSR1 writes a
    # tracemalloc snapshot keeping this many frames per allocation to the directory.
    heap_trace: bool = False
    heap_trace_frames: int = 8
    heap_trace_dir: str = ".run/heap"

    def validate(self) -> None:
        if not 0 <= self.trace_sample_percent <= 100:
            raise SettingsError(f"{env_name('trace_sample_percent')} must be between 0 and 100")
        if self.gil_switch_interval_ms <= 0:
            raise SettingsError(f"{env_name('gil_switch_interval_ms')} must be > 0")
        if ":" not in self.listen_address:
            raise SettingsError(f"{env_name('listen_address')}={self.listen_address!r}: expected host:port")
        if self.shutdown_grace_seconds < 0:
            raise SettingsError(f"{env_name('shutdown_grace_seconds')} must be >= 0")
        if self.default_deadline_seconds <= 0:
            raise SettingsError(f"{env_name('default_deadline_seconds')} must be > 0")
        if self.heap_trace and not 1 <= self.heap_trace_frames <= 100:
            raise SettingsError(f"{env_name('heap_trace_frames')} must be between 1 and 100")


@dataclasses.dataclass(frozen=True, kw_only=True)
class CassandraSettings:
    """Where a service that keeps data in Cassandra finds it; mixed into its settings beside ServerSettings."""

    cassandra_hosts: tuple[str, ...]
    cassandra_port: int = 9042
    cassandra_keyspace: str = "feedmesh"
    # The consistency level of every read and write (cassandra-driver's names): the driver's LOCAL_ONE on one node,
    # QUORUM in the cluster topology (stack/topologies/cluster.env), where a write is acknowledged by 2 of 3 replicas
    # and every QUORUM read meets it, so one node can fail without a read missing an acknowledged write.
    cassandra_consistency: str = "LOCAL_ONE"

    def check_cassandra(self) -> None:
        if not self.cassandra_hosts:
            raise SettingsError(f"{env_name('cassandra_hosts')} is required")
        if self.cassandra_consistency not in CASSANDRA_CONSISTENCY_LEVELS:
            raise SettingsError(
                f"{env_name('cassandra_consistency')}={self.cassandra_consistency!r}: expected one of "
                + ", ".join(CASSANDRA_CONSISTENCY_LEVELS)
            )


@dataclasses.dataclass(frozen=True, kw_only=True)
class S3Settings:
    """Where a service that keeps objects finds the S3 store (stack/defaults.env, credentials in .run/secrets/s3.env);
    mixed into its settings beside ServerSettings."""

    s3_endpoint: str
    s3_region: str = "us-east-1"
    s3_access_key: str
    s3_secret_key: str
    s3_timeout_seconds: float = 10.0

    def check_s3(self) -> None:
        for name in ("s3_endpoint", "s3_access_key", "s3_secret_key"):
            if not getattr(self, name):
                raise SettingsError(f"{env_name(name)} is required but not set")
        if not self.s3_endpoint.startswith(("http://", "https://")):
            raise SettingsError(f"{env_name('s3_endpoint')}={self.s3_endpoint!r}: expected an http(s) URL")
        if self.s3_timeout_seconds <= 0:
            raise SettingsError(f"{env_name('s3_timeout_seconds')} must be > 0")
