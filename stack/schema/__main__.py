import argparse
import sys

from stack.schema import STEPS, apply
from stack.settings import load_settings

parser = argparse.ArgumentParser(prog="python -m stack.schema", description="apply the schemas in schema/")
sub = parser.add_subparsers(dest="command", required=True)
sub.add_parser("apply", help="apply the schemas (all components, or the ones named)").add_argument(
    "components", nargs="*", choices=[[], *STEPS], metavar="COMPONENT"
)
args = parser.parse_args()
try:
    apply(load_settings(), args.components or None, verbose=True)
except Exception as exc:
    print(f"! schema: {type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(1)
