"""The operator CLI without a server: it is the project's `feedmesh` console script, checks its arguments, and says
clearly when the engagement service is not there."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

from tests.cli_runner import CHECKOUT, run_cli


def test_feedmesh_is_a_console_script_of_the_project() -> None:
    project = tomllib.loads((CHECKOUT / "pyproject.toml").read_text())
    module, _, function = project["project"]["scripts"]["feedmesh"].partition(":")
    assert callable(getattr(importlib.import_module(module), function))
    assert module.split(".")[0] in project["tool"]["setuptools"]["packages"]
    assert any(dep.startswith("typer==") for dep in project["project"]["dependencies"])


def test_help_lists_the_admin_commands(tmp_path: Path) -> None:
    shown = run_cli(["admin", "--help"], cwd=tmp_path)
    assert shown.status == 0, shown.err
    for command in ("shadow-ban", "unban", "status", "list-bans", "clear-rate-limit"):
        assert command in shown.out


def test_a_bad_user_id_is_a_usage_error(tmp_path: Path) -> None:
    for args in (["shadow-ban", "0"], ["unban", "nobody"], ["status"]):
        refused = run_cli(["admin", "--target", "127.0.0.1:1", *args], cwd=tmp_path)
        assert refused.status == 2, (args, refused)
        assert "USER_ID" in refused.err and "Traceback" not in refused.err


def test_a_service_that_is_down_is_named_with_what_to_do(tmp_path: Path) -> None:
    down = run_cli(["admin", "--target", "127.0.0.1:1", "shadow-ban", "42"], cwd=tmp_path)
    assert down.status == 3 and down.out == ""
    assert "the engagement service at 127.0.0.1:1 does not answer" in down.err
    assert "Is it running?" in down.err and "Traceback" not in down.err


def test_no_target_configured_says_which_variable(tmp_path: Path) -> None:
    missing = run_cli(["admin", "status", "42"], cwd=tmp_path, env={"FEEDMESH_ENGAGEMENT_TARGET": ""})
    assert missing.status == 3
    assert "FEEDMESH_ENGAGEMENT_TARGET is empty" in missing.err and "--target" in missing.err


def test_help_lists_the_offline_ranking_commands(tmp_path: Path) -> None:
    shown = run_cli(["--help"], cwd=tmp_path)
    assert shown.status == 0 and "train" in shown.out and "experiments" in shown.out, shown.err
    report = run_cli(["experiments", "report", "--help"], cwd=tmp_path)
    assert report.status == 0 and "--days" in report.out and "--json" in report.out


def test_train_names_a_lake_service_that_is_not_there(tmp_path: Path) -> None:
    env = {
        "FEEDMESH_LAKE_TARGET": "127.0.0.1:1",
        "FEEDMESH_FLUSH_TIMEOUT_SECONDS": "2",
        "FEEDMESH_S3_ACCESS_KEY": "unused",
        "FEEDMESH_S3_SECRET_KEY": "unused",
    }
    down = run_cli(["train"], cwd=tmp_path, env=env)
    assert down.status == 3, down
    assert "the lake service at 127.0.0.1:1 did not flush" in down.err and "Traceback" not in down.err
