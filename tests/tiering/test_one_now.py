"""Issue 15, point 3: every page reads the same current snapshot of the same rule set, prints
its date and the date it is compared with. A file of an earlier date imported last is an older
review point, not the district's "now"."""

from datetime import date

from districts.tenancy import system_context
from tests.sis import import_file
from tests.tiered import DAILY, write
from tiering import snapshots


def test_every_page_shows_the_same_now_and_what_it_is_compared_with(
    client, district, district_admin, principal, tiered, tmp_path
):
    # Daily records of October, then their review point of Oct 30 taken last: the snapshot
    # taken most recently is not the district's "now". (The daily import's own snapshot reads
    # every fact to the date the district's attendance runs to, Nov 20: the facts rule.)
    late = import_file(district, write(tmp_path, "october.csv", DAILY))
    assert late.status == "succeeded", late.errors
    with system_context(district, reason="test"):
        [taken_last, *_] = snapshots.snapshots_take(district=district, as_of=date(2026, 10, 30))
    assert taken_last.as_of == date(2026, 10, 30)
    # "Compared with" is the last review point of an earlier date: the Nov 6 summary's.
    now, compared = "Nov 20, 2026", "Nov 6, 2026"

    client.force_login(district_admin)
    imports = client.get("/d/riverside/attendance/imports/")
    [(shown, _)] = imports.context["snapshots"]
    assert shown.as_of == date(2026, 11, 20)
    assert f"students per band as of {now}" in imports.content.decode()

    dashboard = client.get("/d/riverside/attendance/").content.decode()
    assert f"attendance as of {now} · compared with {compared}" in dashboard
    assert f"on {compared}, the previous snapshot" in dashboard

    home = client.get("/d/riverside/").content.decode()
    assert f"attendance as of {now} · compared with {compared}" in home
    assert f"on {compared}, the previous snapshot" in home

    client.force_login(principal)
    school = client.get(f"/d/riverside/attendance/schools/{tiered.pk}/")
    assert school.context["snapshot"].as_of == date(2026, 11, 20)
    page = school.content.decode()
    assert f"attendance as of {now} · compared with {compared}" in page
    assert f"on {compared}, the previous snapshot" in page
