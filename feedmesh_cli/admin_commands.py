"""`feedmesh admin ...`: the operator commands, one Typer sub-app (`admin_app`) that new operator commands join
(`admin_app.command(...)` or `admin_app.add_typer(..., name=...)` at the end of this file). The anti-abuse commands
here are each one call of the engagement service's internal EngagementAdminService; the answer is printed for a
person, or as JSON with `--json`. A service that does not answer, or refuses, ends the command with a message that
says what to do and a non-zero status: 3 unreachable, 1 refused (2 is a usage error)."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, NoReturn

import grpc
import typer
from feedmesh.engagement.internal.v1 import engagement_admin_service_pb2 as pb
from feedmesh.engagement.internal.v1 import engagement_admin_service_pb2_grpc as pb_grpc
from google.protobuf import json_format
from google.protobuf.message import Message

from feedmesh_cli import admin_render, offline, traces
from stack.settings import load_settings

TARGET_VARIABLE = "FEEDMESH_ENGAGEMENT_TARGET"
UNREACHABLE, REFUSED = 3, 1

admin_app = typer.Typer(
    help="Operate feedmesh: anti-abuse on the engagement service, the offline ranking chain, experiments.",
    no_args_is_help=True,
)

UserId = Annotated[int, typer.Argument(min=1, metavar="USER_ID", help="The user's id.", show_default=False)]


def _default_operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


Operator = Annotated[
    str, typer.Option(help="Who acts, for the record (default: your login name).", default_factory=_default_operator)
]


@dataclass(frozen=True)
class Admin:
    # --target; empty: FEEDMESH_ENGAGEMENT_TARGET, looked up when a command calls (after its arguments are checked)
    target_option: str
    timeout: float
    as_json: bool

    @property
    def target(self) -> str:
        target = self.target_option or load_settings().values.get(TARGET_VARIABLE, "")
        if not target:
            fail(
                f"{TARGET_VARIABLE} is empty, so the engagement service is not deployed: set it (stack/defaults.env or "
                "the environment) or pass --target HOST:PORT.",
                UNREACHABLE,
            )
        return target

    @contextmanager
    def stub(self) -> Iterator[pb_grpc.EngagementAdminServiceStub]:
        with grpc.insecure_channel(self.target) as channel:
            yield pb_grpc.EngagementAdminServiceStub(channel)

    def call(self, method: str, request: Message) -> Any:
        """One call of EngagementAdminService.<method>; a failure ends the command with a message that says what to
        do."""
        try:
            with self.stub() as stub:
                return getattr(stub, method)(request, timeout=self.timeout)
        except grpc.RpcError as exc:
            code = exc.code()
            details = exc.details()
            if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                fail(
                    f"the engagement service at {self.target} does not answer ({code.name}: {details}).\n"
                    f"Is it running? `make status` lists what runs; --target or {TARGET_VARIABLE} names another "
                    "address.",
                    UNREACHABLE,
                )
            if code == grpc.StatusCode.UNIMPLEMENTED:
                fail(f"{self.target} does not serve EngagementAdminService: is it the engagement service?", UNREACHABLE)
            fail(f"{code.name}: {details}", REFUSED)

    def show(self, message: Message, text: str) -> None:
        typer.echo(json_format.MessageToJson(message, indent=2) if self.as_json else text)

    def show_status(self, method: str, request: Message) -> None:
        """Calls a method that answers a UserStatus, and prints it."""
        status: pb.UserStatus = self.call(method, request)
        self.show(status, admin_render.user_status(status))


def fail(message: str, status: int) -> NoReturn:
    typer.echo(f"feedmesh: {message}", err=True)
    raise typer.Exit(status)


@admin_app.callback()
def admin(
    ctx: typer.Context,
    target: Annotated[
        str,
        typer.Option(
            help=f"The engagement service's host:port, for the anti-abuse commands (default: {TARGET_VARIABLE}).",
            show_default=False,
        ),
    ] = "",
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait for the engagement service.")] = 5.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the anti-abuse commands' answers as JSON.")] = False,
) -> None:
    ctx.obj = Admin(target_option=target, timeout=timeout, as_json=as_json)


@admin_app.command("shadow-ban")
def shadow_ban(
    ctx: typer.Context,
    user_id: UserId,
    operator: Operator,
    reason: Annotated[str, typer.Option(help="Why, for the record.")] = "",
) -> None:
    """Shadow-ban a user: their likes, comments and shares look normal to them, count and show for nobody else."""
    ctx.obj.show_status("ShadowBanUser", pb.ShadowBanUserRequest(user_id=user_id, reason=reason, operator=operator))


@admin_app.command("unban")
def unban(ctx: typer.Context, user_id: UserId, operator: Operator) -> None:
    """Lift a user's shadow ban: what they do from now on counts and shows again."""
    ctx.obj.show_status("UnbanUser", pb.UnbanUserRequest(user_id=user_id, operator=operator))


@admin_app.command("status")
def status(ctx: typer.Context, user_id: UserId) -> None:
    """Show a user's shadow ban and whether the burst guard limits them harder."""
    ctx.obj.show_status("GetUserStatus", pb.GetUserStatusRequest(user_id=user_id))


@admin_app.command("clear-rate-limit")
def clear_rate_limit(ctx: typer.Context, user_id: UserId, operator: Operator) -> None:
    """Lift the burst guard's harder rate limit from a user (a false alarm); the budgets still apply."""
    ctx.obj.show_status("ClearRateLimit", pb.ClearRateLimitRequest(user_id=user_id, operator=operator))


@admin_app.command("list-bans")
def list_bans(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=100, help="Bans per page.")] = 20,
    cursor: Annotated[str, typer.Option(help="The next page's cursor, as a previous page printed it.")] = "",
) -> None:
    """List the shadow bans in force, newest first, one page at a time."""
    admin: Admin = ctx.obj
    page: pb.ListShadowBansResponse = admin.call("ListShadowBans", pb.ListShadowBansRequest(cursor=cursor, limit=limit))
    admin.show(page, admin_render.ban_page(page))


# the offline ranking chain and the A/B report (feedmesh_cli/offline.py); `make train` runs `feedmesh admin train`
admin_app.command("train")(offline.train)
admin_app.add_typer(offline.experiments_app, name="experiments")
# the slowest sampled requests of the last minutes, from the trace backend (feedmesh_cli/traces.py)
admin_app.add_typer(traces.traces_app, name="traces")
