"""The key ring's rules: kids, the signing key, publication order, retirement."""

from __future__ import annotations

from services.auth.domain.keys import KeyVersion, new_kid, parse_kid, published, retirable, signing_key

T0 = 1_800_000_000  # unix seconds


def key(at_seconds: float, suffix: str = "0000000a") -> KeyVersion:
    version = parse_kid(new_kid(int(at_seconds * 1_000_000), suffix))
    assert version is not None
    return version


def test_kids_carry_their_creation_time_to_the_microsecond() -> None:
    kid = new_kid(1_800_000_000_123_456, "9f3a1c2e")
    assert kid == "20270115T080000123456Z-9f3a1c2e"
    assert parse_kid(kid) == KeyVersion(1_800_000_000_123_456, kid)


def test_other_names_are_not_kids() -> None:
    for name in ("", "key", "20270115T080000123456Z", "20270115T080000123456Z-XYZ", "20271315T080000123456Z-0000000a"):
        assert parse_kid(name) is None


def test_keys_order_by_creation_time() -> None:
    assert key(T0) < key(T0 + 0.000001) < key(T0 + 1)
    assert published([key(T0), key(T0 + 2), key(T0 + 1)]) == [key(T0 + 2), key(T0 + 1), key(T0)]


def test_without_an_activation_delay_the_newest_key_signs() -> None:
    keys = [key(T0), key(T0 + 100), key(T0 + 50)]
    assert signing_key(keys, now=T0 + 100, activation_seconds=0) == key(T0 + 100)


def test_a_new_key_signs_only_once_it_has_been_published_for_the_activation_delay() -> None:
    old, new = key(T0), key(T0 + 1000)
    assert signing_key([old, new], now=T0 + 1000, activation_seconds=300) == old
    assert signing_key([old, new], now=T0 + 1299, activation_seconds=300) == old
    assert signing_key([old, new], now=T0 + 1300, activation_seconds=300) == new


def test_at_first_start_the_oldest_key_signs_at_once() -> None:
    first, racer = key(T0, "0000000a"), key(T0 + 0.001, "0000000b")
    assert signing_key([racer, first], now=T0 + 1, activation_seconds=300) == first


def test_a_key_is_retirable_once_its_successor_has_signed_for_the_given_time() -> None:
    a, b, c = key(T0), key(T0 + 10_000), key(T0 + 20_000)
    ring = [c, a, b]
    # b took over from a at T0 + 10_000 + 300 (activation); c takes over at T0 + 20_300
    assert retirable(ring, now=T0 + 10_300 + 3599, activation_seconds=300, superseded_for=3600) == []
    assert retirable(ring, now=T0 + 10_300 + 3600, activation_seconds=300, superseded_for=3600) == [a]
    assert retirable(ring, now=T0 + 20_300 + 3600, activation_seconds=300, superseded_for=3600) == [a, b]


def test_the_signing_key_and_newer_keys_are_never_retirable() -> None:
    a, b = key(T0), key(T0 + 10)
    assert retirable([a], now=T0 + 10**9, activation_seconds=0, superseded_for=0) == []
    # b is not active yet, so a still signs: nothing may go
    assert retirable([a, b], now=T0 + 20, activation_seconds=300, superseded_for=0) == []
    assert retirable([], now=T0, activation_seconds=0, superseded_for=0) == []
