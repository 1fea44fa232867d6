"""`feedmesh admin ...`, the operator CLI, run as its own process against a real EngagementAdminService: what it
prints is what the service holds, and a refusal is an error with the service's message."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_runner import run_cli_async
from tests.integration.engagement.abuse.conftest import DAY, user_id_aged


async def test_shadow_ban_status_list_and_unban(admin_address: str, users: list[int], tmp_path: Path) -> None:
    user = user_id_aged(2 * DAY)
    users.append(user)
    # the target comes from FEEDMESH_ENGAGEMENT_TARGET, as in the stack
    env = {"FEEDMESH_ENGAGEMENT_TARGET": admin_address}

    banned = await run_cli_async(
        ["admin", "shadow-ban", str(user), "--reason", "spam ring", "--operator", "alice"], cwd=tmp_path, env=env
    )
    assert banned.status == 0, banned.err
    assert f"user {user}" in banned.out and "SHADOW-BANNED" in banned.out and "by alice: spam ring" in banned.out

    shown = await run_cli_async(["admin", "--json", "status", str(user)], cwd=tmp_path, env=env)
    assert shown.status == 0, shown.err
    status = json.loads(shown.out)
    assert status["shadowBanState"] == "SHADOW_BAN_STATE_ACTIVE" and status["shadowBan"]["bannedBy"] == "alice"

    listed = await run_cli_async(["admin", "--json", "list-bans", "--limit", "100"], cwd=tmp_path, env=env)
    assert listed.status == 0, listed.err
    first_page = [int(ban["userId"]) for ban in json.loads(listed.out)["shadowBans"]]
    assert user in first_page  # newest first: a ban made a moment ago is on the first page

    lifted = await run_cli_async(["admin", "unban", str(user), "--operator", "bob"], cwd=tmp_path, env=env)
    assert lifted.status == 0, lifted.err
    assert "shadow ban lifted" in lifted.out and "by bob" in lifted.out

    cleared = await run_cli_async(["admin", "clear-rate-limit", str(user)], cwd=tmp_path, env=env)
    assert cleared.status == 0, cleared.err
    assert "rate limit:  normal" in cleared.out


async def test_a_refusal_prints_the_services_message(admin_address: str, tmp_path: Path) -> None:
    refused = await run_cli_async(
        ["admin", "--target", admin_address, "shadow-ban", str(user_id_aged(DAY)), "--operator", " "], cwd=tmp_path
    )
    assert refused.status == 1 and refused.out == ""
    assert refused.err.startswith("feedmesh: INVALID_ARGUMENT: operator is required")
