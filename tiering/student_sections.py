"""What the apps built on tiering add to a student's page. `tiering` imports none of them
(design.md §1), so each registers its section here when it loads, as districts/home_panels.py
does for the home page; the page shows every section that has something for the signed-in
person, in the order they registered, beside the band's tiered guidance."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from .models import Student

# Takes the request (inside its district's tenant context) and the student the page shows,
# and returns rendered HTML, or None when the person's role has nothing to see in it. A
# section that shows records of the student writes its own access record.
StudentSection = Callable[[HttpRequest, Student], str | None]

_sections: list[StudentSection] = []


def register(section: StudentSection) -> StudentSection:
    if section not in _sections:
        _sections.append(section)
    return section


def render_for(request: HttpRequest, student: Student) -> list[str]:
    return [html for section in _sections if (html := section(request, student))]
