"""Content safety: each rule refuses with a message that says why."""

from __future__ import annotations

import pytest

from services.common.content_safety import ContentPolicy, find_links
from services.common.errors import InvalidArgument

POLICY = ContentPolicy.from_words(["spamword", "Bad Phrase", " ", "c++"])


def refusal(text: str, policy: ContentPolicy = POLICY) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as info:
        policy.check(text)
    return info.value


def test_text_is_trimmed_and_crlf_normalised() -> None:
    assert POLICY.check("  hello\r\nworld\t!  \n") == "hello\nworld\t!"


@pytest.mark.parametrize("text", ["", "   ", "\n\t \n"])
def test_empty_text_is_refused(text: str) -> None:
    err = refusal(text)
    assert err.message == "text is empty" and err.reason == "TEXT_EMPTY"


def test_length_counts_characters_after_trimming() -> None:
    assert len(POLICY.check(" " * 10 + "é" * 500 + " " * 10)) == 500
    err = refusal("x" * 501)
    assert err.message.startswith("text is longer than 500 characters") and err.reason == "TEXT_TOO_LONG"


@pytest.mark.parametrize("ch", ["\x00", "\x07", "\x1b", "\r", "\x7f", "\x85"])
def test_control_characters_other_than_newline_and_tab_are_refused(ch: str) -> None:
    err = refusal(f"hello{ch}world")
    assert "control character" in err.message and err.reason == "TEXT_CONTROL_CHARACTER"


def test_format_characters_such_as_emoji_joiners_are_allowed() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert POLICY.check(f"family {family}") == f"family {family}"


@pytest.mark.parametrize(
    "text", ["this is SPAMWORD here", "spamword", "(spamword).", "a bad   phrase b", "I like C++ a lot"]
)
def test_denylist_matches_whole_words_case_insensitively(text: str) -> None:
    err = refusal(text)
    assert err.message == "text contains a blocked word" and err.reason == "TEXT_BLOCKED_WORD"


@pytest.mark.parametrize("text", ["spamwords", "antispamword", "spam_word", "badphrase", "c+"])
def test_denylist_leaves_other_words_alone(text: str) -> None:
    assert POLICY.check(text) == text


def test_empty_denylist_blocks_nothing() -> None:
    assert ContentPolicy().check("spamword") == "spamword"


def test_up_to_three_distinct_links_pass() -> None:
    text = "see https://a.example/x http://b.example www.c.example/page"
    assert POLICY.check(text) == text


def test_more_than_three_links_is_link_spam() -> None:
    err = refusal("https://a.example https://b.example https://c.example https://d.example")
    assert err.message.startswith("text contains more than 3 links") and err.reason == "TEXT_LINK_SPAM"


@pytest.mark.parametrize(
    "text",
    [
        "https://a.example/x and https://a.example/x",
        "HTTPS://A.example/x, then http://a.example/x/.",
        "www.a.example/x or https://www.a.example/x",
    ],
)
def test_the_same_link_twice_is_link_spam(text: str) -> None:
    err = refusal(text)
    assert err.message == "text repeats the same link" and err.reason == "TEXT_LINK_SPAM"


def test_link_limit_is_configurable() -> None:
    strict = ContentPolicy(max_links=0)
    assert "more than 0 links" in refusal("go to https://a.example", strict).message


def test_find_links_strips_trailing_punctuation() -> None:
    assert find_links("(see https://Example.com/a).") == ["example.com/a"]
