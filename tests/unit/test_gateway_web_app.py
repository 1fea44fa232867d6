"""The web app's routes (gateway/web_app.py): / and each built asset by exact path, GET and HEAD only, public; a 503
page at / when nothing is built; and in the rendered config they come before the API routes without taking any of
their paths. Needs no running server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from gateway import web_app
from gateway.render import jwt_rules, render
from gateway.routes import load_rpcs
from gateway.settings import load_gateway_settings


def build(dist: Path) -> Path:
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>feedmesh</title>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    (dist / "assets" / "index.css").write_text("body{}")
    (dist / "assets" / "notes.txt").write_text("not a web file")
    return dist


def test_each_built_file_is_one_exact_read_only_route(tmp_path: Path) -> None:
    dist = build(tmp_path / "dist")
    files = web_app.served_files(dist)
    assert files == {
        "/": dist / "index.html",
        "/assets/app.js": dist / "assets" / "app.js",
        "/assets/index.css": dist / "assets" / "index.css",
    }
    routes = web_app.routes(files)
    assert [route["match"]["path"] for route in routes] == list(files)
    for route in routes:
        assert route["match"]["headers"][0]["string_match"]["safe_regex"]["regex"] == "^(GET|HEAD)$"
        assert route["direct_response"]["status"] == 200
    types = {route["match"]["path"]: route["response_headers_to_add"][0]["header"]["value"] for route in routes}
    assert types["/assets/app.js"].startswith("text/javascript") and types["/"].startswith("text/html")


def test_without_a_build_the_page_says_how_to_build_it(tmp_path: Path) -> None:
    (route,) = web_app.routes(web_app.served_files(tmp_path / "missing"))
    assert route["match"]["path"] == "/" and route["direct_response"]["status"] == 503
    assert "make web" in route["direct_response"]["body"]["inline_string"]


def test_the_page_is_public_and_the_api_is_not() -> None:
    rules = jwt_rules(load_rpcs(load_gateway_settings().descriptor_source))
    open_paths = [rule["match"] for rule in rules if "requires" not in rule]
    assert {"path": "/"} in open_paths and {"prefix": "/assets/"} in open_paths
    assert rules[-1] == {"match": {"prefix": "/"}, "requires": {"provider_name": "feedmesh_auth"}}


def public_routes(config: dict[str, Any]) -> list[dict[str, Any]]:
    for listener in config["static_resources"]["listeners"]:
        for chain in listener["filter_chains"]:
            manager = chain["filters"][-1]["typed_config"]  # the terminal filter
            if manager.get("route_config", {}).get("name") == "public":
                return list(manager["route_config"]["virtual_hosts"][0]["routes"])
    raise AssertionError("no public route table")


def test_no_api_path_reaches_a_web_route(tmp_path: Path) -> None:
    config = yaml.safe_load(render(load_gateway_settings(), tmp_path / "gw").read_text())
    web_paths = {route["match"]["path"] for route in public_routes(config) if route["name"].startswith("web_")}
    assert "/" in web_paths
    for path in ("/v1/feed", "/openapi.json", "/docs", "/media/abc", "/feedmesh.timeline.v1.TimelineService/GetFeed"):
        assert path not in web_paths
    assert all(path == "/" or re.match(r"^/assets/[\w.-]+$", path) for path in web_paths)
