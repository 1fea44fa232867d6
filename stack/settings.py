"""The stack's addresses as Python sees them: stack/defaults.env, overridden by the environment, plus the
credentials generated into .run/secrets/*.env at first start (environment wins there too).

    from stack.settings import load_settings
    s = load_settings()
    s.redis_url, s.pg_dsn, s.kafka_bootstrap, s.s3_endpoint, s.s3_access_key, ...
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / ".run"
ENV_FILE = ROOT / "stack" / "defaults.env"
# FEEDMESH_TOPOLOGY=cluster reads this file after ENV_FILE, overriding its values (docs/cluster.md)
TOPOLOGY_FILES = {"single": (), "cluster": (ROOT / "stack" / "topologies" / "cluster.env",)}
SECRETS_DIR = RUN / "secrets"
LOGS_DIR = RUN / "logs"
PG_SOCKET_DIR = RUN / "postgres" / "socket"

# component -> the variable naming its address; a value other than the default means "external server"
ADDRESS_VARS = {
    "redis": "FEEDMESH_REDIS_URL",
    "postgres": "FEEDMESH_PG_DSN",
    "kafka": "FEEDMESH_KAFKA_BOOTSTRAP",
    "cassandra": "FEEDMESH_CASSANDRA_HOSTS",
    "s3": "FEEDMESH_S3_ENDPOINT",
    "prometheus": "FEEDMESH_PROMETHEUS_URL",
    "zipkin": "FEEDMESH_TRACES_URL",
}

_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def read_env_file(path: Path) -> list[tuple[str, str]]:
    """KEY=VALUE lines of an env file, in order; blank lines and # comments skipped."""
    pairs = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs.append((key.strip(), value.strip()))
    return pairs


@dataclass(frozen=True)
class StackSettings:
    values: Mapping[str, str]
    defaults: Mapping[str, str]

    def __getitem__(self, key: str) -> str:
        try:
            return self.values[key]
        except KeyError:
            raise KeyError(f"{key} is not set (stack/defaults.env, environment or .run/secrets)") from None

    def is_external(self, component: str) -> bool:
        var = ADDRESS_VARS[component]
        return self.values[var] != self.defaults[var]

    @property
    def redis_url(self) -> str:
        return self["FEEDMESH_REDIS_URL"]

    @property
    def pg_dsn(self) -> str:
        return self["FEEDMESH_PG_DSN"]

    @property
    def pg_port(self) -> int:
        return int(self["FEEDMESH_PG_PORT"])

    @property
    def kafka_bootstrap(self) -> str:
        return self["FEEDMESH_KAFKA_BOOTSTRAP"]

    @property
    def cassandra_hosts(self) -> list[str]:
        return [h.strip() for h in self["FEEDMESH_CASSANDRA_HOSTS"].split(",") if h.strip()]

    @property
    def cassandra_port(self) -> int:
        return int(self["FEEDMESH_CASSANDRA_PORT"])

    @property
    def s3_endpoint(self) -> str:
        return self["FEEDMESH_S3_ENDPOINT"]

    @property
    def s3_bucket(self) -> str:
        return self["FEEDMESH_S3_BUCKET"]

    @property
    def lake_bucket(self) -> str:
        return self["FEEDMESH_LAKE_BUCKET"]

    @property
    def models_bucket(self) -> str:
        return self["FEEDMESH_MODELS_BUCKET"]

    @property
    def s3_region(self) -> str:
        return self["FEEDMESH_S3_REGION"]

    @property
    def s3_access_key(self) -> str:
        return self["FEEDMESH_S3_ACCESS_KEY"]

    @property
    def s3_secret_key(self) -> str:
        return self["FEEDMESH_S3_SECRET_KEY"]

    @property
    def prometheus_url(self) -> str:
        return self["FEEDMESH_PROMETHEUS_URL"]

    @property
    def traces_url(self) -> str:
        """The trace backend (Zipkin's UI and HTTP API); empty when traces are off."""
        return self.values.get("FEEDMESH_TRACES_URL", "")


def _recorded_topology() -> str:
    """The topology stack/up.sh recorded for the stack that runs from this checkout (single when none)."""
    try:
        return (RUN / "topology").read_text().strip() or "single"
    except OSError:
        return "single"


def load_settings(environ: Mapping[str, str] | None = None) -> StackSettings:
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    defaults: dict[str, str] = {}
    topology = env.get("FEEDMESH_TOPOLOGY") or _recorded_topology()
    if topology not in TOPOLOGY_FILES:
        raise ValueError(f"FEEDMESH_TOPOLOGY={topology!r}: expected one of {', '.join(TOPOLOGY_FILES)}")
    pairs = [pair for path in (ENV_FILE, *TOPOLOGY_FILES[topology]) for pair in read_env_file(path)]
    for key, raw in pairs:
        # ${OTHER} resolves like the shell's: the environment first, then what the file said before
        default = _REF.sub(lambda m: env.get(m.group(1), values.get(m.group(1), "")), raw)
        defaults[key] = default
        values[key] = env.get(key, default)
    for secrets in sorted(SECRETS_DIR.glob("*.env")) if SECRETS_DIR.is_dir() else []:
        for key, value in read_env_file(secrets):
            values[key] = env.get(key, value)
    for key, value in env.items():
        if key.startswith("FEEDMESH_"):
            values[key] = value
    values["FEEDMESH_TOPOLOGY"] = topology
    return StackSettings(values=values, defaults=defaults)
