"""Fresh tokens that are never reused (relationship versions, a cached post's change token): a random 128-bit prefix
drawn once per process and a counter. Each token is as unique as a random UUID, at the cost of a string format
instead of a random UUID's system call and object: hot paths draw several per request."""

from __future__ import annotations

import itertools
import os
import uuid


class _Tokens:
    """The process's prefix and counter, drawn again in a forked child (which would otherwise repeat its parent's)."""

    def __init__(self) -> None:
        self.pid = -1
        self.prefix = ""
        self.counter = itertools.count()

    def next(self) -> str:
        pid = os.getpid()
        if pid != self.pid:
            self.pid, self.prefix, self.counter = pid, uuid.uuid4().hex, itertools.count()
        return f"{self.prefix}{next(self.counter):x}"


_tokens = _Tokens()


def unique_token() -> str:
    """A token no other call returns, in this process or any other."""
    return _tokens.next()
