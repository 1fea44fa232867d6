from __future__ import annotations

import pytest

from services.common.errors import InvalidArgument
from services.common.idempotency import check_idempotency_key
from services.post.domain.model import Visibility
from services.post.domain.rules import check_media_refs


def test_up_to_ten_distinct_media_refs() -> None:
    refs = [f"m_{i:032x}" for i in range(10)]
    assert check_media_refs(refs) == tuple(refs)
    with pytest.raises(InvalidArgument, match="at most 10 media refs"):
        check_media_refs([*refs, "m_" + "f" * 32])


@pytest.mark.parametrize(("refs", "message"), [(["m_a", "m_a"], "listed twice"), ([""], "empty")])
def test_bad_media_refs(refs: list[str], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        check_media_refs(refs)


def test_idempotency_key() -> None:
    assert check_idempotency_key(None) is None
    assert check_idempotency_key("") is None
    assert check_idempotency_key("retry-1") == "retry-1"
    for bad in ["x" * 129, "é", "a\nb"]:
        with pytest.raises(InvalidArgument):
            check_idempotency_key(bad)


def test_visibility_from_the_wire() -> None:
    assert Visibility.from_wire(0) is Visibility.PUBLIC
    assert Visibility.from_wire(3) is Visibility.CLOSE_FRIENDS
    with pytest.raises(InvalidArgument, match="visibility must be"):
        Visibility.from_wire(9)
