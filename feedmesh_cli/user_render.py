"""The user commands' answers as a person reads them (rich text and tables), from the gateway's JSON
(shared/api/public-rest-contract.md: lowerCamelCase fields, 64-bit ids and counts as strings). Pure: the caller
prints what these build, and passes `now` so that ages are testable."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

Json = dict[str, Any]

_NOTIFICATION_VERBS = {
    "FOLLOW": "followed you",
    "FOLLOW_REQUEST": "asked to follow you",
    "LIKE": "liked your post",
    "COMMENT": "commented on your post",
    "MENTION": "mentioned you in post",
    "CLOSE_FRIEND_POST": "posted for close friends: post",
}


def age(stamp: str, now: datetime) -> str:
    """How long ago an RFC 3339 time was ("45s", "12m", "3h", "6d"), or its date when over a week or unreadable."""
    try:
        then = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    seconds = int((now - then).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return then.strftime("%Y-%m-%d") if unit == "d" and seconds >= 7 * size else f"{seconds // size}{unit} ago"
    return f"{max(seconds, 0)}s ago"


def user_label(user: Json) -> str:
    """`@handle (Display Name)`; the id when the user came without a handle."""
    handle = user.get("handle")
    if not handle:
        return f"user {user.get('id', '?')}"
    name = user.get("displayName")
    return f"@{handle} ({name})" if name else f"@{handle}"


def _count(post: Json, field: str, noun: str) -> str:
    count = int(post.get(field, 0))
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def feed_view(page: Json, now: datetime) -> Group:
    """Each feed item as a short block that wraps at any width: author, age and post id; the text (and media refs);
    the likes, comments and shares, and whether the caller liked it."""
    blocks: list[RenderableType] = []
    for item in page.get("items", []):
        post, author = item.get("post", {}), item.get("author", {})
        header = Text(user_label(author), style="bold")
        header.append(f"  {age(post.get('createTime', ''), now)}  post {post.get('id', '?')}", style="dim")
        body = Text(post.get("text", ""))
        if post.get("mediaRefs"):
            body.append(f"\n[media: {', '.join(post['mediaRefs'])}]", style="italic")
        counts = [_count(post, "likeCount", "like"), _count(post, "commentCount", "comment")]
        footer = Text(" · ".join([*counts, _count(post, "shareCount", "share")]), style="dim")
        if item.get("likedByMe"):
            footer.append(" · liked by you", style="green")
        blocks.append(Group(header, body, footer, Text()))
    return Group(*blocks)


def notification_table(page: Json, now: datetime) -> Table:
    """One row per notification, newest first: unread mark, age, who, what."""
    table = Table(show_lines=False)
    table.add_column("new", justify="center")
    table.add_column("time", no_wrap=True)
    table.add_column("who", no_wrap=True, style="bold")
    table.add_column("what", ratio=1)
    for notification in page.get("notifications", []):
        kind = notification.get("kind", "")
        what = _NOTIFICATION_VERBS.get(kind, kind.lower())
        if notification.get("postId") and notification["postId"] != "0":
            what += f" {notification['postId']}"
        table.add_row(
            "" if notification.get("read") else "*",
            age(notification.get("createTime", ""), now),
            user_label(notification.get("actor", {})),
            what,
        )
    return table


def likes(answer: Json) -> str:
    """A like's or an unlike's `{"liked", "likeCount"}` as "1 like", "3 likes"."""
    return _count(answer, "likeCount", "like")


def next_page_hint(command: str, page: Json) -> str | None:
    """The command line that reads the next page, when there is one."""
    cursor = page.get("nextCursor")
    return f"more: feedmesh {command} --page-token {cursor}" if cursor else None
