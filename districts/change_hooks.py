"""A registry of what upper apps do when something of a district's changes in a lower one.
A lower app cannot import the apps built on it (the import contracts), so it keeps one of these
and each upper app registers its hook when it loads (in its AppConfig.ready). A hook is called
with the district's id only, outside any tenant context, and should only queue its own task
(ids in), so that one slow app never holds up the next.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

Hook = Callable[..., None]  # called as hook(district_id=…)


class DistrictChangeHooks:
    def __init__(self) -> None:
        self._hooks: list[Hook] = []

    def register(self, hook: Hook) -> Hook:
        if hook not in self._hooks:
            self._hooks.append(hook)
        return hook

    def notify(self, *, district_id: int) -> None:
        for hook in self._hooks:
            hook(district_id=district_id)

    def notify_after_commit(self, *, district_id: int) -> None:
        """Calls every hook once the current transaction commits (at once outside one)."""
        for hook in self._hooks:
            transaction.on_commit(lambda hook=hook: hook(district_id=district_id))
