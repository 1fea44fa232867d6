"""The `feedmesh` command tree: the user commands at the top (feedmesh_cli/user_commands.py), the operator commands
under `feedmesh admin` (feedmesh_cli/admin_commands.py, where new operator commands go), and Typer's shell completion
(`feedmesh --install-completion`, `feedmesh --show-completion`)."""

from __future__ import annotations

import typer

from feedmesh_cli.admin_commands import admin_app
from feedmesh_cli.user_commands import user_app

app = typer.Typer(
    help="feedmesh from the terminal: your account, posts, feed and notifications through the gateway; "
    "`feedmesh admin` for operators.",
    no_args_is_help=True,
    add_completion=True,
)
app.add_typer(user_app)
app.add_typer(admin_app, name="admin")
