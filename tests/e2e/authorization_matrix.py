"""The authorization matrix: who may do what to whose content, as one table of expected HTTP statuses through the
gateway. `tests/e2e/test_authorization_matrix.py` checks every cell against the running system; docs/authorization.md
holds the same table (`render_markdown()`; tests/unit/test_authorization_doc.py checks they are equal).

The world: two owners, one with a public account and one with a private account. Each viewer column is one user,
related to both owners the same way:
- `anonymous`: no token;
- `owner`: the author / account itself;
- `follower`: an approved follower;
- `stranger`: no relationship;
- `blocked`: the owner has blocked them;
- `pending`: has a pending follow request to the private owner (none to the public one: a follow is immediate there);
- `close_friend`: an approved follower on the owner's close-friends list;
- `approved`: a pending requester whose request the owner then approved (a follow of the public owner);
- `rejected`: a pending requester whose request the owner then rejected (nothing towards the public owner);
- `ex_close_friend`: a close friend the owner then removed from the close-friends list (still a follower);
- `unblocked`: blocked by the owner, then unblocked.
The last four change their relationship after the owners' posts and comments exist (`REVISED`): what they may
see is decided by the relationship now, not the one they had when the post was made.

Content kinds: `public` (a PUBLIC post of the public account), `private_account` (a PUBLIC post of the private
account), `followers_only` (a FOLLOWERS post of the public account), `close_friends` (a CLOSE_FRIENDS post of the
public account). Account routes name the public owner for `public` and the private owner for `private_account`.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = (
    "anonymous",
    "owner",
    "follower",
    "stranger",
    "blocked",
    "pending",
    "close_friend",
    "approved",
    "rejected",
    "ex_close_friend",
    "unblocked",
)
# The roles reached by a second step (approve, reject, remove from close friends, unblock) from a first one.
REVISED = ("approved", "rejected", "ex_close_friend", "unblocked")
CONTENTS = ("public", "private_account", "followers_only", "close_friends")
ACCOUNTS = ("public", "private_account")

# Who may see each kind of content (the contract's Posts section): the rule every read path applies.
SEES = {
    "public": set(ROLES) - {"anonymous", "blocked"},
    "private_account": {"owner", "follower", "close_friend", "approved", "ex_close_friend"},
    "followers_only": {"owner", "follower", "close_friend", "approved", "ex_close_friend"},
    "close_friends": {"owner", "close_friend"},
}

# {post} is the content's post, {comment} a comment of the owner on it, {user} the owner's account, {handle} its
# handle. A line without "|" names the routes of the rows under it (", " between them); a row is a content and the
# statuses in ROLES order.
TABLE = """
GET /v1/posts/{post}, GET /v1/posts/{post}/comments, POST /v1/posts/{post}/like, DELETE /v1/posts/{post}/like, \
POST /v1/posts/{post}/comments, POST /v1/posts/{post}/shares
  public          | 401 200 200 200 404 200 200 200 200 200 200
  private_account | 401 200 200 404 404 404 200 200 404 200 404
  followers_only  | 401 200 200 404 404 404 200 200 404 200 404
  close_friends   | 401 200 404 404 404 404 200 404 404 404 404
DELETE /v1/posts/{post}/comments/{comment}, DELETE /v1/posts/{post}
  public          | 401 200 403 403 404 403 403 403 403 403 403
  private_account | 401 200 403 404 404 404 403 403 404 403 404
  followers_only  | 401 200 403 404 404 404 403 403 404 403 404
  close_friends   | 401 200 404 404 404 404 403 404 404 404 404
GET /v1/users/{user}, GET /v1/users/{user}/posts
  public          | 401 200 200 200 200 200 200 200 200 200 200
  private_account | 401 200 200 200 200 200 200 200 200 200 200
GET /v1/users/{user}/relationship
  public          | 401 400 200 200 200 200 200 200 200 200 200
  private_account | 401 400 200 200 200 200 200 200 200 200 200
GET /v1/users:search?query={handle}
  public          | 401 200 200 200 200 200 200 200 200 200 200
  private_account | 401 200 200 200 200 200 200 200 200 200 200
GET /v1/users/{user}/followers, GET /v1/users/{user}/following
  public          | 401 200 200 200 403 200 200 200 200 200 200
  private_account | 401 200 200 403 403 403 200 200 403 200 403
POST /v1/users/{user}/follow, PUT /v1/close-friends/{user}
  public          | 401 400 200 200 403 200 200 200 200 200 200
  private_account | 401 400 200 200 403 200 200 200 200 200 200
DELETE /v1/users/{user}/follow, POST /v1/users/{user}/block
  public          | 401 400 200 200 200 200 200 200 200 200 200
  private_account | 401 400 200 200 200 200 200 200 200 200 200
"""

# Routes that change the caller's relationship to the owner (or delete the content): each of their cells gets a
# fresh user in the role (or a fresh post/comment for the owner), so that no cell changes the world of another.
MUTATING = {
    "DELETE /v1/posts/{post}/comments/{comment}",
    "DELETE /v1/posts/{post}",
    "POST /v1/users/{user}/follow",
    "DELETE /v1/users/{user}/follow",
    "POST /v1/users/{user}/block",
    "PUT /v1/close-friends/{user}",
}


@dataclass(frozen=True)
class Cell:
    route: str
    """"GET /v1/posts/{post}": the method and the path template"""
    content: str
    role: str
    status: int

    @property
    def method(self) -> str:
        return self.route.split(" ", 1)[0]

    @property
    def path(self) -> str:
        return self.route.split(" ", 1)[1]


def groups() -> list[tuple[list[str], list[tuple[str, list[int]]]]]:
    """TABLE as (routes, [(content, statuses in ROLES order)]) groups."""
    parsed: list[tuple[list[str], list[tuple[str, list[int]]]]] = []
    for line in TABLE.strip().splitlines():
        if "|" not in line:
            parsed.append(([route.strip() for route in line.split(",")], []))
            continue
        content, statuses = (part.strip() for part in line.split("|"))
        codes = [int(code) for code in statuses.split()]
        assert len(codes) == len(ROLES) and content in CONTENTS, line
        parsed[-1][1].append((content, codes))
    return parsed


def cells() -> list[Cell]:
    return [
        Cell(route, content, role, code)
        for routes, rows in groups()
        for route in routes
        for content, codes in rows
        for role, code in zip(ROLES, codes, strict=True)
    ]


def render_markdown() -> str:
    """The table as docs/authorization.md shows it: one row per group of routes and content."""
    lines = ["| routes | content | " + " | ".join(ROLES) + " |", "|---|---|" + "---|" * len(ROLES)]
    for routes, rows in groups():
        for index, (content, codes) in enumerate(rows):  # the routes on their group's first row only
            names = "<br>".join(f"`{route}`" for route in routes) if index == 0 else ""
            lines.append(f"| {names} | {content} | " + " | ".join(map(str, codes)) + " |")
    return "\n".join(lines) + "\n"
