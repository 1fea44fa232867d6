"""docs/authorization.md shows the authorization matrix the e2e test checks (tests/e2e/authorization_matrix.py)."""

from __future__ import annotations

from stack.settings import ROOT
from tests.e2e.authorization_matrix import CONTENTS, ROLES, cells, render_markdown


def test_the_doc_shows_the_tested_table() -> None:
    doc = (ROOT / "docs" / "authorization.md").read_text()
    table = render_markdown()
    assert table in doc, f"docs/authorization.md is out of step with the matrix; its table is:\n{table}"


def test_every_post_route_covers_every_content_and_role() -> None:
    post_routes = {cell.route for cell in cells() if "{post}" in cell.path}
    for route in post_routes:
        covered = {(cell.content, cell.role) for cell in cells() if cell.route == route}
        assert covered == {(content, role) for content in CONTENTS for role in ROLES}, route
    assert all(cell.status == 401 for cell in cells() if cell.role == "anonymous")
