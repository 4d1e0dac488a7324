"""What the apps built on support do when a district's reasons for absence or interventions
change. `support` imports no upper app (the import contract), so each registers a hook here
when it loads (in its AppConfig.ready), as with tiering.bands_changed. Once a change of a
Caring Conversation (its reasons) or of an intervention commits, the services call every hook
with the district's id: a hook only queues its own task (ids in).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

Hook = Callable[..., None]  # called as hook(district_id=…)

_hooks: list[Hook] = []


def register(hook: Hook) -> Hook:
    if hook not in _hooks:
        _hooks.append(hook)
    return hook


def notify_after_commit(*, district_id: int) -> None:
    """Calls every hook once the current transaction commits (at once outside one)."""
    for hook in _hooks:
        transaction.on_commit(lambda hook=hook: hook(district_id=district_id))
