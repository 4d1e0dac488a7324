"""What the apps built on support do when a district's reasons for absence or interventions
change: once a change of a Caring Conversation (its reasons) or of an intervention commits, the
services call every registered hook with the district's id (districts.change_hooks says how
hooks behave).
"""

from __future__ import annotations

from districts.change_hooks import DistrictChangeHooks

hooks = DistrictChangeHooks()
