"""The user commands: a feedmesh account over the public REST API, through the gateway (feedmesh_cli/api_client.py).
`login` saves the session (feedmesh_cli/token_store.py) that the other commands send; every failure is one line
that says what to do (feedmesh_cli/api_errors.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from feedmesh_cli import user_render
from feedmesh_cli.api_client import GATEWAY_URL_VARIABLE, FeedmeshApi, Json, default_gateway_url
from feedmesh_cli.api_errors import REFUSED, ApiError, CliError, describe
from feedmesh_cli.token_store import Session, TokenStore, config_dir

user_app = typer.Typer()
ENTRIES = {"feed": "items", "notifications": "notifications"}  # the field of a list page that holds its entries

Gateway = Annotated[
    str,
    typer.Option(
        "--gateway",
        envvar=GATEWAY_URL_VARIABLE,
        default_factory=default_gateway_url,
        show_default=False,
        help=f"The gateway's URL (default: {GATEWAY_URL_VARIABLE}, else the local stack's, stack/defaults.env).",
    ),
]
Handle = Annotated[
    str, typer.Argument(metavar="HANDLE", help="Your handle: 3-30 of a-z, 0-9 and _.", show_default=False)
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the gateway's JSON answer as it is.")]
Limit = Annotated[int, typer.Option(min=1, max=100, help="Items per page.")]
PageToken = Annotated[str, typer.Option(help="The next page's token, as the previous page printed it.")]
UserId = Annotated[int, typer.Argument(min=1, metavar="USER_ID", help="The user's id.", show_default=False)]
PostId = Annotated[int, typer.Argument(min=1, metavar="POST_ID", help="The post's id.", show_default=False)]


class Visibility(StrEnum):
    public = "public"
    followers = "followers"
    close_friends = "close-friends"


class FeedMode(StrEnum):
    ranked = "ranked"
    chronological = "chronological"


@contextmanager
def explained() -> Iterator[None]:
    """Ends the command with the message of a failure (and its exit status) instead of a traceback."""
    try:
        yield
    except CliError as error:
        failure = describe(error)
        typer.echo(f"feedmesh: {failure.message}", err=True)
        raise typer.Exit(failure.exit_status) from None


def _store() -> TokenStore:
    return TokenStore(config_dir())


def _as_user(gateway: str) -> FeedmeshApi:
    """The API as the logged-in user (NotLoggedIn when there is no usable saved session)."""
    return FeedmeshApi(gateway, _store().current(gateway).access_token)


def _print_json(answer: Any) -> None:
    typer.echo(json.dumps(answer, indent=2))


def _show_page(command: str, page: Json, as_json: bool, empty: str, view: Callable[[Json, datetime], Any]) -> None:
    """A list page: its JSON as it is, or its view and the command line of the next page (`empty` when no entries)."""
    if as_json:
        _print_json(page)
        return
    if not page.get(ENTRIES[command]):
        typer.echo(empty)
        return
    console = Console()
    console.print(view(page, datetime.now(UTC)))
    if hint := user_render.next_page_hint(command, page):
        console.print(hint, highlight=False)


def _log_in(api: FeedmeshApi, handle: str, password: str) -> Session:
    try:
        answer = api.create_session(handle, password)
    except ApiError as error:
        if error.status == 401:
            typer.echo(f"feedmesh: login refused: {error.message}", err=True)
            raise typer.Exit(REFUSED) from None
        raise
    session = Session.from_login(api.gateway_url, handle, answer, time.time())
    store = _store()
    try:
        store.save(session)
    except OSError as exc:
        typer.echo(
            f"feedmesh: cannot save the session in {store.path} ({exc.strerror}): set FEEDMESH_CONFIG_DIR", err=True
        )
        raise typer.Exit(REFUSED) from None
    return session


@user_app.command()
def signup(
    handle: Handle,
    gateway: Gateway,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="FEEDMESH_PASSWORD",
            help="At least 8 characters (prompted when not given).",
        ),
    ],
    display_name: Annotated[str, typer.Option(help="The name shown beside your handle.")] = "",
    private: Annotated[bool, typer.Option(help="Only followers you approve see your posts.")] = False,
) -> None:
    """Create an account, then log in as it."""
    with explained(), FeedmeshApi(gateway) as api:
        user = api.create_user(handle, password, display_name, private)
        _log_in(api, handle, password)
    typer.echo(f"signed up as @{user['handle']} (user id {user['id']}) and logged in")


@user_app.command()
def login(
    handle: Handle,
    gateway: Gateway,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, envvar="FEEDMESH_PASSWORD", help="Prompted when not given.")
    ],
) -> None:
    """Log in and save the session (your config directory, readable by you only) for the other commands."""
    with explained(), FeedmeshApi(gateway) as api:
        session = _log_in(api, handle, password)
    minutes = round((session.expires_at - time.time()) / 60)
    typer.echo(f"logged in as @{handle} (user id {session.user_id}) at {session.gateway_url}; expires in {minutes} min")


@user_app.command()
def logout() -> None:
    """Forget the saved session (the token itself stays valid until it expires)."""
    store = _store()
    session = store.load()
    if store.delete():
        typer.echo(f"logged out{f' @{session.handle}' if session else ''}")
    else:
        typer.echo("not logged in")


@user_app.command()
def whoami(gateway: Gateway) -> None:
    """Show who the saved session is for."""
    with explained():
        session = _store().current(gateway)
    minutes = round((session.expires_at - time.time()) / 60)
    typer.echo(f"@{session.handle} (user id {session.user_id}) at {session.gateway_url}; expires in {minutes} min")


@user_app.command()
def post(
    text: Annotated[
        str, typer.Argument(metavar="TEXT", help="1-500 characters; @handle mentions a user.", show_default=False)
    ],
    gateway: Gateway,
    media: Annotated[
        list[Path] | None,
        typer.Option(exists=True, dir_okay=False, readable=True, help="A picture or video to attach (repeatable)."),
    ] = None,
    visibility: Annotated[Visibility, typer.Option(help="Who may see it.")] = Visibility.public,
    as_json: AsJson = False,
) -> None:
    """Publish a post."""
    with explained(), _as_user(gateway) as api:
        refs = [api.upload_media(file) for file in media or []]
        created = api.create_post(text, refs, visibility.value.upper().replace("-", "_"))
    if as_json:
        _print_json(created)
    else:
        typer.echo(f"posted {created['id']}" + (f" with {len(refs)} media" if refs else ""))


@user_app.command()
def feed(
    gateway: Gateway,
    limit: Limit = 20,
    page_token: PageToken = "",
    mode: Annotated[FeedMode | None, typer.Option(help="The order (default: the server's, ranked).")] = None,
    as_json: AsJson = False,
) -> None:
    """Show your home feed: the posts of the accounts you follow, and yours."""
    with explained(), _as_user(gateway) as api:
        page = api.feed(limit, page_token, mode.value if mode else "")
    empty = "your feed is empty: follow someone (feedmesh follow USER_ID) or post (feedmesh post TEXT)"
    _show_page("feed", page, as_json, empty, user_render.feed_view)
    if page.get("degraded") and not as_json:
        typer.echo("(the ranking did not answer in time: this page is in chronological order)")


@user_app.command()
def notifications(gateway: Gateway, limit: Limit = 20, page_token: PageToken = "", as_json: AsJson = False) -> None:
    """Show your notifications, newest first (* marks the unread)."""
    with explained(), _as_user(gateway) as api:
        page = api.notifications(limit, page_token)
    _show_page("notifications", page, as_json, "no notifications", user_render.notification_table)


@user_app.command()
def follow(user_id: UserId, gateway: Gateway) -> None:
    """Follow a user (a private account gets a follow request)."""
    with explained(), _as_user(gateway) as api:
        state = api.follow(user_id).get("state")
    if state == "REQUESTED":
        typer.echo(f"asked to follow user {user_id}: a private account, it approves the request")
    else:
        typer.echo(f"following user {user_id}")


@user_app.command()
def unfollow(user_id: UserId, gateway: Gateway) -> None:
    """Stop following a user (or withdraw a follow request)."""
    with explained(), _as_user(gateway) as api:
        api.unfollow(user_id)
    typer.echo(f"not following user {user_id}")


@user_app.command()
def like(post_id: PostId, gateway: Gateway) -> None:
    """Like a post."""
    with explained(), _as_user(gateway) as api:
        answer = api.like(post_id)
    typer.echo(f"liked post {post_id} ({user_render.likes(answer)})")


@user_app.command()
def unlike(post_id: PostId, gateway: Gateway) -> None:
    """Take back a like."""
    with explained(), _as_user(gateway) as api:
        answer = api.unlike(post_id)
    typer.echo(f"unliked post {post_id} ({user_render.likes(answer)})")
