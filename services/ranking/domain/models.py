"""What makes a published model usable here: it was trained on exactly the features this service builds."""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.common.ranking_features import FEATURE_NAMES

# Versions travel in responses, impressions and the timeline's ranking sessions: plain names only.
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ModelRefused(Exception):
    """A published model this service will not score with; the message says why."""


def check_features(version: str, metadata_names: Sequence[str], model_names: Sequence[str]) -> None:
    """The metadata's feature names must be FEATURE_NAMES, in order: a model trained on other columns would score
    garbage without any error. The model file must have as many features, named the same unless the trainer left
    LightGBM's generic names (Column_0, ...: trained on a bare matrix)."""
    if not _VERSION.match(version):
        raise ModelRefused(f"model version {version!r}: expected 1-64 letters, digits, '_', '.' or '-'")
    expected = list(FEATURE_NAMES)
    if list(metadata_names) != expected:
        raise ModelRefused(f"model {version}: metadata feature_names differ from ranking_features.FEATURE_NAMES")
    generic = [f"Column_{i}" for i in range(len(expected))]
    if list(model_names) not in (expected, generic):
        raise ModelRefused(f"model {version}: the model file's features differ from ranking_features.FEATURE_NAMES")
