from __future__ import annotations

import itertools

from bench.measure_capacity import mix_classes, mix_weights
from bench.measure_freshness import SHARES


def test_the_mix_carries_each_class_share_of_the_deliveries() -> None:
    audience = {"socfb": 39.1, "1k": 1_000, "10k": 10_000}
    classes = list(itertools.islice(mix_classes(mix_weights(audience["socfb"])), 20_000))
    deliveries = {c: classes.count(c) * audience[c] for c in audience}
    total = sum(deliveries.values())
    for cls, share in SHARES.items():
        assert abs(deliveries[cls] / total - share) < 0.01


def test_rare_classes_come_early_and_evenly_spaced() -> None:
    classes = list(itertools.islice(mix_classes(mix_weights(39.1)), 5_000))
    big = [n for n, c in enumerate(classes) if c == "10k"]
    assert big[0] < 400  # a short run still posts as the 10k author
    gaps = [b - a for a, b in itertools.pairwise(big)]
    assert max(gaps) - min(gaps) <= 1
