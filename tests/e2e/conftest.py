"""Browser journeys: Playwright drives Debian's Chromium against Django's live server.

Every page a journey visits goes through `axe`, which fails the test on serious or critical
WCAG 2.1 AA violations, and a screenshot of it is kept under test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

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
def browser_context_args(browser_context_args):
    # axe-core is injected as an inline script, which the app's Content-Security-Policy
    # rightly refuses; the pages themselves are tested under the policy in tests/security.
    return {**browser_context_args, "bypass_csp": True}


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
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA
    )
    serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    details = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in serious
    )
    assert not serious, f"Accessibility violations on {label} ({page.url}):\n{details}"


@pytest.fixture
def journey(page, live_server, request):
    return Journey(page, live_server, request.node.name)
