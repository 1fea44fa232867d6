"""The API description through the real gateway: /openapi.json (OpenAPI 3.1) and its reference page /docs are
served without a token, the page's Swagger UI from the gateway itself; and a short seeded Schemathesis run
(gateway.fuzz_api, valid tokens) finds no operation that answers 5xx, answers off its document (status, content
type, body) or rejects most of the data its schema allows, including in stateful scenarios along the document's
links. The run goes through a throw-away gateway with budgets high enough for it, so the main gateway's stay
untouched."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from gateway import fuzz_api
from tests.e2e.conftest import Gateway


def test_openapi_and_reference_page_are_served_without_a_token(client: httpx.Client) -> None:
    document = client.get("/openapi.json")
    assert document.status_code == 200
    assert (document.json()["openapi"], document.json()["info"]["title"]) == ("3.1.0", "feedmesh API")
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/docs/swagger-ui-bundle.js" in page.text and "//cdn" not in page.text
    for asset, kind in (("/docs/swagger-ui-bundle.js", "text/javascript"), ("/docs/swagger-ui.css", "text/css")):
        answer = client.get(asset)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(kind)
        assert len(answer.content) > 10_000


def test_a_short_schemathesis_run_finds_no_5xx_and_nothing_off_the_doc(start_gateway: Callable[..., Gateway]) -> None:
    roomy = start_gateway(
        FEEDMESH_RATE_PUBLIC_PER_MIN="100000",
        FEEDMESH_RATE_WRITE_PER_MIN="100000",
        FEEDMESH_RATE_READ_PER_MIN="100000",
    )
    arguments = ["--gateway", roomy.url, "--examples", "5", "--public-examples", "5", "--writes-per-user", "100000"]
    arguments += ["--scenarios", "12", "--steps", "6"]
    assert fuzz_api.main(arguments) == 0
