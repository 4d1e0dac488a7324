"""What the apps built on districts add to a district's home page. `districts` imports no
other app (design.md §1), so each registers its panel here when it loads; the home page shows
every panel that has something for the signed-in person, in the order they registered."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

# Takes the request (inside its district's tenant context) and returns rendered HTML, or None
# when the person's role has nothing to see in it.
HomePanel = Callable[[HttpRequest], str | None]

_panels: list[HomePanel] = []


def register(panel: HomePanel) -> HomePanel:
    if panel not in _panels:
        _panels.append(panel)
    return panel


def render_for(request: HttpRequest) -> list[str]:
    return [html for panel in _panels if (html := panel(request))]


# The page signing in lands on ("/"), outside any district: panels for the person themself
# (a workshop facilitator's workshops). Each takes the request and returns HTML or None.
_account_panels: list[HomePanel] = []


def register_account_panel(panel: HomePanel) -> HomePanel:
    if panel not in _account_panels:
        _account_panels.append(panel)
    return panel


def render_account_panels(request: HttpRequest) -> list[str]:
    return [html for panel in _account_panels if (html := panel(request))]
