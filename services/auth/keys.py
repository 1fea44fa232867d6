"""Operating the signing-key ring: `python -m services.auth.keys {list,rotate,prune}`.

    python -m services.auth.keys rotate                      # add a key: published now, signs once activated
    python -m services.auth.keys prune --older-than 4200     # delete keys that stopped signing over 4200 s ago
    python -m services.auth.keys list

The ring's directory and timing come from the same variables as the service's (FEEDMESH_AUTH_KEY_DIR,
FEEDMESH_AUTH_KEY_ACTIVATION_SECONDS, FEEDMESH_TOKEN_TTL_SECONDS); running services pick changes up without a
restart. `prune` refuses an age under the token TTL: tokens the key signed would fail before they expire.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from services.auth.adapters.keyring import FileKeyRing
from services.auth.settings import KeyRingSettings
from services.common.settings import SettingsError, env_name, load_settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.auth.keys", description=__doc__.split("\n")[0])
    parser.add_argument("--dir", help=f"the ring's directory (default: {env_name('auth_key_dir')} or .run/secrets/jwt)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the keys, newest first, and which one signs")
    sub.add_parser("rotate", help="add a new key")
    prune = sub.add_parser("prune", help="delete keys that stopped signing long enough ago")
    prune.add_argument(
        "--older-than", type=float, required=True, metavar="SECONDS", help="at least the token TTL, plus a margin"
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings(KeyRingSettings)
    except SettingsError as exc:
        print(f"bad configuration: {exc}", file=sys.stderr)
        return 2
    ring = FileKeyRing(
        settings.key_dir if args.dir is None else type(settings.key_dir)(args.dir),
        activation_seconds=settings.auth_key_activation_seconds,
    )
    if args.command == "rotate":
        print(ring.rotate())
    elif args.command == "prune":
        if args.older_than < settings.token_ttl_seconds:
            print(
                f"--older-than {args.older_than:g} is under the token TTL ({settings.token_ttl_seconds} s, "
                f"{env_name('token_ttl_seconds')}): tokens signed by a retired key would fail before they expire",
                file=sys.stderr,
            )
            return 2
        for kid in ring.retire(args.older_than):
            print(f"retired {kid}")
    else:
        keys = ring.published()
        signer = ring.signing_key().kid if keys else None
        for key in keys:
            age = time.time() - key.version.created_at
            print(f"{key.kid}  age {age:.0f}s{'  signing' if key.kid == signer else ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
