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
- `close_friend`: an approved follower on the owner's close-friends list.

Content kinds: `public` (a PUBLIC post of the public account), `private_account` (a PUBLIC post of the private
account), `followers_only` (a FOLLOWERS post of the public account), `close_friends` (a CLOSE_FRIENDS post of the
public account). Account routes name the public owner for `public` and the private owner for `private_account`.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("anonymous", "owner", "follower", "stranger", "blocked", "pending", "close_friend")
CONTENTS = ("public", "private_account", "followers_only", "close_friends")
ACCOUNTS = ("public", "private_account")

# Who may see each kind of content (the contract's Posts section): the rule every read path applies.
SEES = {
    "public": {"owner", "follower", "stranger", "pending", "close_friend"},
    "private_account": {"owner", "follower", "close_friend"},
    "followers_only": {"owner", "follower", "close_friend"},
    "close_friends": {"owner", "close_friend"},
}

# {post} is the content's post, {comment} a comment of the owner on it, {user} the owner's account.
# One row per route and content; columns in ROLES order.
TABLE = """
GET /v1/posts/{post}                            | public          | 401 200 200 200 404 200 200
GET /v1/posts/{post}                            | private_account | 401 200 200 404 404 404 200
GET /v1/posts/{post}                            | followers_only  | 401 200 200 404 404 404 200
GET /v1/posts/{post}                            | close_friends   | 401 200 404 404 404 404 200
GET /v1/posts/{post}/comments                   | public          | 401 200 200 200 404 200 200
GET /v1/posts/{post}/comments                   | private_account | 401 200 200 404 404 404 200
GET /v1/posts/{post}/comments                   | followers_only  | 401 200 200 404 404 404 200
GET /v1/posts/{post}/comments                   | close_friends   | 401 200 404 404 404 404 200
POST /v1/posts/{post}/like                      | public          | 401 200 200 200 404 200 200
POST /v1/posts/{post}/like                      | private_account | 401 200 200 404 404 404 200
POST /v1/posts/{post}/like                      | followers_only  | 401 200 200 404 404 404 200
POST /v1/posts/{post}/like                      | close_friends   | 401 200 404 404 404 404 200
DELETE /v1/posts/{post}/like                    | public          | 401 200 200 200 404 200 200
DELETE /v1/posts/{post}/like                    | private_account | 401 200 200 404 404 404 200
DELETE /v1/posts/{post}/like                    | followers_only  | 401 200 200 404 404 404 200
DELETE /v1/posts/{post}/like                    | close_friends   | 401 200 404 404 404 404 200
POST /v1/posts/{post}/comments                  | public          | 401 200 200 200 404 200 200
POST /v1/posts/{post}/comments                  | private_account | 401 200 200 404 404 404 200
POST /v1/posts/{post}/comments                  | followers_only  | 401 200 200 404 404 404 200
POST /v1/posts/{post}/comments                  | close_friends   | 401 200 404 404 404 404 200
POST /v1/posts/{post}/shares                    | public          | 401 200 200 200 404 200 200
POST /v1/posts/{post}/shares                    | private_account | 401 200 200 404 404 404 200
POST /v1/posts/{post}/shares                    | followers_only  | 401 200 200 404 404 404 200
POST /v1/posts/{post}/shares                    | close_friends   | 401 200 404 404 404 404 200
DELETE /v1/posts/{post}/comments/{comment}      | public          | 401 200 403 403 404 403 403
DELETE /v1/posts/{post}/comments/{comment}      | private_account | 401 200 403 404 404 404 403
DELETE /v1/posts/{post}/comments/{comment}      | followers_only  | 401 200 403 404 404 404 403
DELETE /v1/posts/{post}/comments/{comment}      | close_friends   | 401 200 404 404 404 404 403
DELETE /v1/posts/{post}                         | public          | 401 200 403 403 404 403 403
DELETE /v1/posts/{post}                         | private_account | 401 200 403 404 404 404 403
DELETE /v1/posts/{post}                         | followers_only  | 401 200 403 404 404 404 403
DELETE /v1/posts/{post}                         | close_friends   | 401 200 404 404 404 404 403
GET /v1/users/{user}                            | public          | 401 200 200 200 200 200 200
GET /v1/users/{user}                            | private_account | 401 200 200 200 200 200 200
GET /v1/users/{user}/posts                      | public          | 401 200 200 200 200 200 200
GET /v1/users/{user}/posts                      | private_account | 401 200 200 200 200 200 200
GET /v1/users/{user}/followers                  | public          | 401 200 200 200 403 200 200
GET /v1/users/{user}/followers                  | private_account | 401 200 200 403 403 403 200
GET /v1/users/{user}/following                  | public          | 401 200 200 200 403 200 200
GET /v1/users/{user}/following                  | private_account | 401 200 200 403 403 403 200
POST /v1/users/{user}/follow                    | public          | 401 400 200 200 403 200 200
POST /v1/users/{user}/follow                    | private_account | 401 400 200 200 403 200 200
DELETE /v1/users/{user}/follow                  | public          | 401 400 200 200 200 200 200
DELETE /v1/users/{user}/follow                  | private_account | 401 400 200 200 200 200 200
POST /v1/users/{user}/block                     | public          | 401 400 200 200 200 200 200
POST /v1/users/{user}/block                     | private_account | 401 400 200 200 200 200 200
PUT /v1/close-friends/{user}                    | public          | 401 400 200 200 403 200 200
PUT /v1/close-friends/{user}                    | private_account | 401 400 200 200 403 200 200
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
    method: str
    path: str
    content: str
    role: str
    status: int

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def id(self) -> str:
        return f"{self.route}|{self.content}|{self.role}"


def rows() -> list[tuple[str, str, list[int]]]:
    """(route, content, statuses in ROLES order) per line of TABLE."""
    parsed = []
    for line in TABLE.strip().splitlines():
        route, content, statuses = (part.strip() for part in line.split("|"))
        codes = [int(code) for code in statuses.split()]
        assert len(codes) == len(ROLES) and content in CONTENTS, line
        parsed.append((route, content, codes))
    return parsed


def cells() -> list[Cell]:
    found: list[Cell] = []
    for route, content, codes in rows():
        method, path = route.split(" ", 1)
        found.extend(Cell(method, path, content, role, code) for role, code in zip(ROLES, codes, strict=True))
    return found


def render_markdown() -> str:
    """The table as docs/authorization.md shows it."""
    lines = [
        "| route | content | " + " | ".join(ROLES) + " |",
        "|---|---|" + "---|" * len(ROLES),
    ]
    for route, content, codes in rows():
        lines.append(f"| `{route}` | {content} | " + " | ".join(str(code) for code in codes) + " |")
    return "\n".join(lines) + "\n"
