"""The caller's identity from the `x-feedmesh-user-id` metadata: a positive int64, or UNAUTHENTICATED."""

from __future__ import annotations

from typing import Any, cast

import grpc
import pytest

from services.common.errors import Unauthenticated
from services.common.identity import MAX_USER_ID, USER_ID_HEADER, caller_id


class _Context:
    def __init__(self, *metadata: tuple[str, str | bytes]):
        self.metadata = metadata

    def invocation_metadata(self) -> Any:
        return self.metadata


def _caller(*metadata: tuple[str, str | bytes]) -> int:
    return caller_id(cast(grpc.aio.ServicerContext, _Context(*metadata)))


def test_a_positive_int64_is_the_caller() -> None:
    assert _caller((USER_ID_HEADER, "42")) == 42
    assert _caller((USER_ID_HEADER, str(MAX_USER_ID).encode())) == MAX_USER_ID


@pytest.mark.parametrize("value", ["", "0", "-1", "abc", "1.5", str(MAX_USER_ID + 1), "9" * 30])
def test_anything_else_is_no_caller(value: str) -> None:
    with pytest.raises(Unauthenticated):
        _caller((USER_ID_HEADER, value))


def test_no_metadata_is_no_caller() -> None:
    with pytest.raises(Unauthenticated):
        _caller(("other", "1"))
