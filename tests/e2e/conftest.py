"""Browser journeys: Playwright drives Debian's Chromium against Django's live server.

Every page a journey visits goes through `axe`, which fails the test on serious or critical
WCAG 2.1 AA violations, and a screenshot of it is kept under test-artifacts/screenshots/.
Pages run under the app's own Content-Security-Policy, and a journey fails on any error the
browser's console shows (a refused style or script, a missing file, a script error).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.db import connections

# Django's live server runs in a thread beside Playwright's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = Path(os.environ.get("AXE_CORE_PATH", ROOT / ".tools/node_modules/axe-core/axe.min.js"))
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(item.fspath).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Test tools cannot download their own browser here; Debian's Chromium is the one.
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


class Journey:
    """What a test does with the page: visit, check accessibility, keep a screenshot."""

    def __init__(self, page, live_server, test_name: str):
        self.page = page
        self.base_url = live_server.url
        self.test_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", test_name)

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def go_to(self, link: str, *, menu: str | None = None) -> None:
        """Follow a link of the district navigation, opening its menu first as a user would."""
        navigation = self.page.get_by_role("navigation", name="District")
        if menu:
            navigation.locator("summary", has_text=menu).click()
        navigation.get_by_role("link", name=link, exact=True).click()

    def check(self, label: str) -> None:
        self.screenshot(label)
        assert_accessible(self.page, label)

    def screenshot(self, label: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.test_name}--{label}.png"
        self.page.screenshot(path=path, full_page=True)
        return path


def assert_accessible(page, label: str) -> None:
    if not AXE_SCRIPT.exists():
        pytest.fail(f"axe-core is missing at {AXE_SCRIPT}: run `./run setup test` to install it.")
    # Evaluated by the test tool rather than added as a <script>: the page's policy rightly
    # refuses inline scripts, and the pages are checked under that policy.
    page.evaluate(AXE_SCRIPT.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA
    )
    serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    details = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in serious
    )
    assert not serious, f"Accessibility violations on {label} ({page.url}):\n{details}"


@pytest.fixture(scope="session", autouse=True)
def _close_connections_opened_while_playwright_runs(playwright):
    # Playwright's synchronous API keeps its event loop running in this thread (suspended in a
    # greenlet) from its first test to the end of the session, and while a loop runs Django
    # keeps this thread's connections per context rather than per thread (asgiref's Local).
    # Every test from then on, journeys and the tests after them alike, opens its connection
    # there, out of reach of the close that comes before the test database is dropped, which
    # then failed: "being accessed by other users". Closed here, before the loop stops.
    yield
    connections.close_all()


@pytest.fixture
def journey(page, live_server, request):
    console_errors = []
    # A page the server answers with an error status on purpose (a 404 for another district's
    # entry, a 422 form with its errors) is what the journey looks at, and Chromium notes its
    # status in the console; anything else that fails to load is a fault.
    error_pages = set()

    def on_response(response):
        if response.request.resource_type == "document" and response.status >= 400:
            error_pages.add(response.url)

    def on_console(message):
        if message.type != "error":
            return
        if message.text.startswith("Failed to load resource") and (
            message.location["url"] in error_pages
        ):
            return
        console_errors.append(f"{message.text} ({message.location['url']})")

    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda error: console_errors.append(f"script error: {error}"))
    yield Journey(page, live_server, request.node.name)
    assert not console_errors, "The browser's console showed errors:\n" + "\n".join(
        f"- {error}" for error in console_errors
    )
