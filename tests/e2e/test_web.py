"""The web app (web/) as people use it, in headless Chromium on the real stack through the gateway that serves it
at /: two people sign up, follow, post with an image, like, comment, share, page the feed, see each other's
notifications and mark them read, add a close friend, log out; a refused token ends the session
(tools/web_browser.mjs plays it, gateway/web_browser.py runs it). Also: / and its assets are served without
shadowing the API, and the budgets of issue 28 (first feed page visible within 1 s, bundle under 250 KB gzipped).
"""

from __future__ import annotations

import httpx
import pytest

from gateway.web_app import served_files
from gateway.web_browser import PAGING_POSTS, browse, bundle_gzip_bytes
from tests.e2e.conftest import Gateway

BUNDLE_BUDGET_BYTES = 250 * 1024
FIRST_PAGE_BUDGET_MS = 1000


@pytest.fixture(scope="module")
def built() -> None:
    if not served_files():
        pytest.fail("web/dist is missing: run `make web` (then restart the gateway)")


def test_page_and_assets_are_served_beside_the_api(built: None, client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    for url in served_files():
        assert client.get(url).status_code == 200, url
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200
    assert client.get("/v1/feed").status_code == 401  # the API still asks for a token
    assert client.post("/").status_code != 200  # only GET and HEAD reach the page


def test_bundle_is_within_budget(built: None) -> None:
    sizes = bundle_gzip_bytes()
    print(f"\nbundle gzipped: {sizes}, total {sum(sizes.values())} bytes")
    assert sum(sizes.values()) < BUNDLE_BUDGET_BYTES, sizes


def test_two_people_use_every_screen(built: None, gateway: Gateway) -> None:
    report = browse(gateway.url)
    print(f"\nfirst feed page visible in {report['first_feed_ms']} ms")

    assert report["empty_feed"].startswith("Your feed is empty")
    assert report["completed_text"] == report["post_text"] + " "  # the mention completed from a known handle
    assert report["count_text"] == f"{500 - len(report['post_text'])} characters left"
    assert report["image_width"] == 2  # the uploaded PNG, read back through the gateway's media route
    assert report["like_text"] == "♥ Liked · 1"
    assert report["first_page"] == 20
    assert report["feed_posts"] == report["feed_unique"] == PAGING_POSTS + 1
    assert report["feed_end"] == "You are all caught up."
    assert {"FOLLOW", "LIKE", "COMMENT"} <= set(report["alice_notifications"])
    assert "MENTION" in report["bob_notifications"]
    assert report["alice_badge_after_read"] is True
    assert report["close_friend"] is True
    groups = {group["kind"]: group for group in report["alice_groups"]}
    assert {"FOLLOW", "LIKE", "COMMENT"} <= set(groups)
    assert groups["LIKE"]["text"].startswith("bob liked your post") and not groups["LIKE"]["unread"]
    assert report["logged_out"] is True and report["refused_token_to_login"] is True
    assert report["console_errors"] == []
    assert report["first_feed_ms"] < FIRST_PAGE_BUDGET_MS
