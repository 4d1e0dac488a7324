"""The workshop's PDFs: a team's action plan, built while the request waits, and the cohort
PDF (cover, agenda, the cohort's figures, every accepted team's plan), built by a background
task that reports its progress and keeps the file for download.

Both read only what the facilitator's pages read: packet tables (suppressed when they were
materialised) and plans, under the name each district chose to be shown by."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from districts.exports import pdf_bytes

from . import charts, progress, selectors
from .models import CohortPdf, PdfStatus, Workshop, WorkshopSession

FOLDER = "workshops"


def confidentiality(workshop: Workshop) -> str:
    """The footer of every page, as a CSS string (the page's margin box shows it): a title
    can hold any character, so quotes, backslashes and "<" are escaped as CSS escapes them."""
    text = (
        f"Confidential: for {workshop.title} only. Counts under {workshop.minimum_n} are shown "
        f"as “< {workshop.minimum_n}”."
    )
    escaped = " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("<", "\\3c ") + '"'


def team_plan_html(*, workshop: Workshop, plan: selectors.TeamPlan, prepared_by) -> str:
    return render_to_string(
        "workshops/pdf/team_plan.html",
        {
            "workshop": workshop,
            "plan": plan,
            "prepared_by": prepared_by,
            "footer_css": confidentiality(workshop),
        },
    )


def packet_html(*, workshop: Workshop, packet: selectors.CohortDistrict, prepared_by) -> str:
    """A district's data packet, for the pre-work and the data review: its chart, then every
    table of the items it shares, as published."""
    groups = [selectors.SizeGroup(label="", districts=[packet])]
    return render_to_string(
        "workshops/pdf/packet.html",
        {
            "workshop": workshop,
            "packet": packet,
            "chart": charts.rate_chart(selectors.rate_bars(groups)),
            "prepared_by": prepared_by,
            "footer_css": confidentiality(workshop),
        },
    )


def packet_filename(packet: selectors.CohortDistrict) -> str:
    return f"data-packet-{slugify(packet.label)}.pdf"


def plan_filename(plan: selectors.TeamPlan) -> str:
    return f"action-plan-{slugify(plan.label)}.pdf"


def cohort_pdf_build(*, pdf: CohortPdf) -> CohortPdf:
    """Builds the cohort PDF in the facilitator's context, reporting how far it has got."""
    workshop = pdf.workshop
    progress.report(pdf.pk, 5, "Reading the workshop and its agenda")
    sessions = list(WorkshopSession.objects.filter(workshop=workshop))
    progress.report(pdf.pk, 15, "Reading the cohort’s figures")
    groups = selectors.cohort(workshop=workshop)
    chart = charts.rate_chart(selectors.rate_bars(groups))
    progress.report(pdf.pk, 25, "Reading the teams’ plans")
    plans = selectors.team_plans(workshop=workshop)
    # Each team's part is laid out on its own, so that the page can say which one it is on.
    team_parts = []
    for n, plan in enumerate(plans, start=1):
        progress.report(pdf.pk, 25 + 25 * n // max(len(plans), 1), f"Team {n} of {len(plans)}")
        team_parts.append(render_to_string("workshops/pdf/_team_plan.html", {"plan": plan}))
    progress.report(pdf.pk, 55, "Setting the pages")
    html = render_to_string(
        "workshops/pdf/cohort.html",
        {
            "workshop": workshop,
            "sessions": sessions,
            "groups": groups,
            "chart": chart,
            "plans": plans,
            "team_parts": team_parts,
            "prepared_by": pdf.requested_by,
            "footer_css": confidentiality(workshop),
        },
    )
    data = pdf_bytes(html=html)
    progress.report(pdf.pk, 95, "Keeping the file for download")
    name = f"{FOLDER}/cohort-{uuid.uuid4().hex}.pdf"
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    pdf.stored_file = name
    pdf.status = PdfStatus.DONE
    pdf.finished_at = timezone.now()
    pdf.message = (
        f"{sum(len(g.districts) for g in groups)} districts’ figures and "
        f"{len(plans)} team plan{'s' if len(plans) != 1 else ''}."
    )
    pdf.full_clean()
    pdf.save()
    progress.report(pdf.pk, 100, "Ready")
    return pdf
