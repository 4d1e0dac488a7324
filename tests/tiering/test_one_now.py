"""Issue 15, point 3: every page reads the same current snapshot of the same rule set, prints
its date and the date it is compared with. A file of an earlier date imported last is an older
review point, not the district's "now"."""

from datetime import date

from tests.sis import import_file
from tests.tiered import PREVIOUS, write


def test_every_page_shows_the_same_now_and_what_it_is_compared_with(
    client, district, district_admin, principal, tiered, tmp_path
):
    # Imported after the Nov 20 file, the district's Nov 13 file is taken last.
    nov_13 = PREVIOUS.replace("S1,101,3,30,0", "S1,101,3,35,0")
    late = import_file(district, write(tmp_path, "nov-13.csv", nov_13), as_of=date(2026, 11, 13))
    assert late.status == "succeeded", late.errors
    now, compared = "Nov 20, 2026", "Nov 13, 2026"

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
