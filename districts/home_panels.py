"""What the apps built on districts add to the pages people land on. `districts` imports no
other app (design.md §1), so each registers its panel here when it loads; a page shows every
panel that has something for the signed-in person, in the order they registered:

- `register` / `render_for`: a district's home page (the request is inside its district's
  tenant context);
- `register_account_panel` / `render_account_panels`: the page signing in lands on ("/"),
  outside any district, for the person themself (a workshop facilitator's workshops).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

# Takes the request and returns rendered HTML, or None when the person has nothing to see in it.
HomePanel = Callable[[HttpRequest], str | None]


class _Panels:
    def __init__(self) -> None:
        self._panels: list[HomePanel] = []

    def register(self, panel: HomePanel) -> HomePanel:
        if panel not in self._panels:
            self._panels.append(panel)
        return panel

    def render(self, request: HttpRequest) -> list[str]:
        return [html for panel in self._panels if (html := panel(request))]


_district_home = _Panels()
_account = _Panels()
register = _district_home.register
render_for = _district_home.render
register_account_panel = _account.register
render_account_panels = _account.render
