"""The CLI without a server: it is the project's `feedmesh` console script with shell completion, checks its
arguments, and says clearly when the engagement service or the gateway is not there, or no one is logged in."""

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


def test_help_lists_the_offline_ranking_commands_under_admin(tmp_path: Path) -> None:
    shown = run_cli(["admin", "--help"], cwd=tmp_path)
    assert shown.status == 0 and "train" in shown.out and "experiments" in shown.out, shown.err
    report = run_cli(["admin", "experiments", "report", "--help"], cwd=tmp_path)
    assert report.status == 0 and "--days" in report.out and "--json" in report.out


def test_train_names_a_lake_service_that_is_not_there(tmp_path: Path) -> None:
    env = {
        "FEEDMESH_LAKE_TARGET": "127.0.0.1:1",
        "FEEDMESH_FLUSH_TIMEOUT_SECONDS": "2",
        "FEEDMESH_S3_ACCESS_KEY": "unused",
        "FEEDMESH_S3_SECRET_KEY": "unused",
    }
    down = run_cli(["admin", "train"], cwd=tmp_path, env=env)
    assert down.status == 3, down
    assert "the lake service at 127.0.0.1:1 did not flush" in down.err and "Traceback" not in down.err


def test_make_train_runs_the_admin_command() -> None:
    recipe = (CHECKOUT / "Makefile").read_text().split("\ntrain:", 1)[1].split("\n\n", 1)[0]
    assert "-m feedmesh_cli admin train" in recipe


def test_help_lists_the_user_commands_and_completion(tmp_path: Path) -> None:
    shown = run_cli(["--help"], cwd=tmp_path)
    assert shown.status == 0, shown.err
    for command in ("signup", "login", "logout", "post", "feed", "follow", "unfollow", "like", "unlike", "admin"):
        assert f" {command} " in shown.out, command
    assert "notifications" in shown.out and "--install-completion" in shown.out and "--show-completion" in shown.out


def test_the_completion_script_completes_feedmesh(tmp_path: Path) -> None:
    script = run_cli(["--show-completion", "bash"], cwd=tmp_path)
    assert script.status == 0, script.err
    assert "_FEEDMESH_COMPLETE=complete_bash" in script.out and "complete -o default -F" in script.out


def test_completion_offers_the_commands_and_choices(tmp_path: Path) -> None:
    def offered(words: str) -> list[str]:
        env = {"_FEEDMESH_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1)}
        done = run_cli([], cwd=tmp_path, env=env)
        assert done.status == 0, done
        return done.out.split()

    assert offered("feedmesh no") == ["notifications"]
    assert {"shadow-ban", "train", "experiments"} <= set(offered("feedmesh admin "))
    assert offered("feedmesh post hi --visibility ") == ["public", "followers", "close-friends"]


def test_a_user_command_without_a_session_says_to_log_in(tmp_path: Path) -> None:
    env = {"FEEDMESH_CONFIG_DIR": str(tmp_path / "config"), "FEEDMESH_GATEWAY_URL": "http://127.0.0.1:1"}
    for args in (["feed"], ["post", "hello"], ["like", "5"], ["notifications", "--json"]):
        refused = run_cli(args, cwd=tmp_path, env=env)
        assert refused.status == 1 and refused.out == "", (args, refused)
        assert "not logged in (no saved session in" in refused.err and "run `feedmesh login HANDLE`" in refused.err
        assert "Traceback" not in refused.err


def test_a_gateway_that_is_down_is_named_with_what_to_do(tmp_path: Path) -> None:
    env = {"FEEDMESH_CONFIG_DIR": str(tmp_path / "config"), "FEEDMESH_PASSWORD": "correct horse"}
    down = run_cli(["login", "alice", "--gateway", "http://127.0.0.1:1"], cwd=tmp_path, env=env)
    assert down.status == 3 and down.out == "", down
    assert down.err.startswith("feedmesh: the gateway at http://127.0.0.1:1 does not answer")
    assert "make up" in down.err and "Traceback" not in down.err
    assert not (tmp_path / "config").exists()


def test_bad_ids_are_usage_errors(tmp_path: Path) -> None:
    for args in (["follow", "0"], ["like", "abc"], ["unfollow"], ["feed", "--limit", "101"]):
        refused = run_cli(args, cwd=tmp_path, env={"FEEDMESH_CONFIG_DIR": str(tmp_path)})
        assert refused.status == 2 and "Traceback" not in refused.err, (args, refused)


def test_logout_without_a_session(tmp_path: Path) -> None:
    done = run_cli(["logout"], cwd=tmp_path, env={"FEEDMESH_CONFIG_DIR": str(tmp_path)})
    assert done.status == 0 and done.out == "not logged in\n", done
