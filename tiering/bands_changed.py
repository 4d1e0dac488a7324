"""What the apps built on tiering do when a district's bands change. `tiering` imports no
upper app (the import contract), so each registers a hook here when it loads (in its
AppConfig.ready), as home panels do. After an import's digest step and after every recompute
that succeeds, the worker calls every hook with the district's id, outside any tenant context:
a hook only queues its own task (ids in), so that one slow app never holds up the next.
"""

from __future__ import annotations

from collections.abc import Callable

Hook = Callable[..., None]  # called as hook(district_id=…)

_hooks: list[Hook] = []


def register(hook: Hook) -> Hook:
    if hook not in _hooks:
        _hooks.append(hook)
    return hook


def notify(*, district_id: int) -> None:
    for hook in _hooks:
        hook(district_id=district_id)
