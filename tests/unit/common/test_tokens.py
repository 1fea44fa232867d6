"""Fresh tokens are never repeated: not within a process, not by another process, not by a forked child."""

from __future__ import annotations

import os
import subprocess
import sys

from services.common.tokens import unique_token


def test_a_process_never_repeats_a_token() -> None:
    tokens = [unique_token() for _ in range(10_000)]
    assert len(set(tokens)) == len(tokens)


def test_another_process_draws_other_tokens() -> None:
    code = "from services.common.tokens import unique_token; print(*(unique_token() for _ in range(100)))"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    ours = {unique_token() for _ in range(100)}
    assert len(other) == 100
    assert not ours & set(other)


def test_a_forked_child_does_not_repeat_its_parents_tokens() -> None:
    unique_token()  # the parent's prefix is drawn before the fork
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next tokens, then exit without running the parent's test machinery
        os.close(read)
        os.write(write, " ".join(unique_token() for _ in range(100)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = pipe.read().split()
    os.waitpid(pid, 0)
    parent = {unique_token() for _ in range(100)}
    assert len(child) == 100
    assert not parent & set(child)
