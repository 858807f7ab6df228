"""The web page in headless Chromium (Debian's, driven by Playwright; no browser is downloaded).

Skipped when /usr/bin/chromium or the playwright package is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rigorgym.leaderboard.client import submit, wait_verified
from rigorgym.leaderboard.config import Settings
from rigorgym.leaderboard.demo import LocalServer
from rigorgym.leaderboard.store import Store

from tests.leaderboard_support import SUITE, broken, padded, solved_certificates, sqlite_url

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="no /usr/bin/chromium (apt-get install chromium)")


def test_tables_plots_and_submission_page(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    db = sqlite_url(tmp_path)
    store = Store(db)
    store.migrate()
    alice, mallory = store.create_token("alice"), store.create_token("mallory")
    store.close()
    certs = solved_certificates(4)
    with LocalServer(Settings(db_url=db, workers=1, poll_s=0.2)) as server:
        good = submit(server.url, alice, SUITE, "greedy best-first", certs)["id"]
        evil_agent = '<img src=x onerror="alert(1)">'
        weak = submit(server.url, mallory, SUITE, evil_agent, [padded(certs[0], 1), broken(certs[1])])["id"]
        wait_verified(server.url, good, 60, 0.1)
        wait_verified(server.url, weak, 60, 0.1)
        dialogs: list[str] = []
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            try:
                page = browser.new_page()
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.goto(server.url + "/", timeout=30_000)
                section = page.locator(f"#suite-{SUITE}")
                rows = section.locator("table.ranking tbody tr")
                assert rows.count() == 2
                assert rows.nth(0).locator("td").nth(1).inner_text() == "alice"
                assert rows.nth(0).locator("td").nth(3).inner_text().startswith("4/")
                assert rows.nth(1).locator("td").nth(2).inner_text() == evil_agent  # shown as text, not run
                assert (
                    section.locator("svg.plot polyline, svg.plot rect.bar").count() == 2
                )  # one size in this suite: bars
                assert page.locator("img").count() == 0
                rows.nth(1).locator("a").click()
                page.wait_for_url(f"**/submissions/{weak}")
                verdicts = page.locator("table.verdicts tbody tr")
                assert verdicts.count() == 2
                assert verdicts.nth(0).locator("td").nth(1).inner_text() == "valid"
                assert verdicts.nth(1).locator("td").nth(1).inner_text() == "invalid"
                assert "move 0" in verdicts.nth(1).locator("td").nth(3).inner_text()
                assert page.locator("dd.agent").inner_text() == evil_agent
            finally:
                browser.close()
        assert dialogs == []


def test_presentations_are_plotted_by_total_relator_length() -> None:
    from rigorgym.leaderboard.web import _size_label, instance_size

    assert instance_size({"relators": [[-1, 2, 1, -2, -2], [-1, 2]]}) == 7
    assert _size_label("AndrewsCurtis-v0") == "total relator length"
