"""What the apps built on tiering do when a district's bands change: after an import's digest
step and after every recompute that succeeds, the worker calls every registered hook with the
district's id (districts.change_hooks says how hooks behave).
"""

from __future__ import annotations

from districts.change_hooks import DistrictChangeHooks

hooks = DistrictChangeHooks()
