import hashlib
from datetime import date
from io import StringIO

from django.core.management import call_command
from django.http import HttpRequest

from attendance_platform.management.commands.seed_demo import (
    DEMO_PASSWORD,
    DEMO_SLUG,
    demo_school_year_start,
)
from districts.models import District, Membership, MembershipSchool, School, SchoolYear, User
from districts.roles import Role
from districts.tenancy import context_for_membership, system_context, tenant_context
from pdsa.models import ChangeIdea, Cycle, Participant, ParticipantSession, StudyResult
from pdsa.selectors import Participation
from tiering.models import AttendanceDay, AttendanceImport, Snapshot, Standing, Student
from workshops.context import facilitating
from workshops.models import Consent, Invitation, PacketTable, PlanAction, TeamMember, Workshop

AS_OF = date(2026, 11, 23)


def _seed(output) -> str:
    out = StringIO()
    call_command(
        "seed_demo",
        "--students",
        "700",
        "--as-of",
        AS_OF.isoformat(),
        "--output",
        output,
        stdout=out,
    )
    return out.getvalue()


def _state(output) -> dict:
    with system_context(District.objects.get(slug=DEMO_SLUG), reason="test"):
        tables = _tables()
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in output.iterdir()}
    return {"tables": tables, "files": files}


def _tables() -> dict:
    return {
        model.__name__: sorted(map(repr, getattr(model, "unscoped", model.objects).values()))
        for model in (
            District,
            School,
            SchoolYear,
            User,
            Membership,
            MembershipSchool,
            Student,
            AttendanceImport,
            Snapshot,
            Standing,
            ChangeIdea,
            Cycle,
            Participant,
            ParticipantSession,
            Workshop,
            Invitation,
            Consent,
            TeamMember,
            PacketTable,
        )
    }


def test_seed_demo_is_idempotent(db, tmp_path):
    output = tmp_path / "sis-export"  # not there yet, as on a fresh machine
    _seed(output)
    first = _state(output)
    _seed(output)
    assert _state(output) == first


def test_seed_demo_creates_one_login_per_role_and_prints_them(db, tmp_path, client):
    printed = _seed(tmp_path)
    district = District.objects.get(slug=DEMO_SLUG)
    with system_context(district, reason="test"):
        roles = set(Membership.unscoped.filter(district=district).values_list("role", flat=True))
    assert roles == {r.value for r in Role}
    assert User.objects.filter(is_facilitator=True).count() == 1
    for user in User.objects.all():
        assert user.email in printed
        # django-axes needs the request to know where a sign-in comes from.
        assert client.login(request=HttpRequest(), username=user.email, password=DEMO_PASSWORD)
    assert DEMO_PASSWORD in printed
    assert {"roster.csv", "daily_attendance.csv", "attendance_summary.csv"} <= {
        p.name for p in tmp_path.iterdir()
    }


def test_seed_demo_imports_its_files_so_the_demo_has_real_bands(db, tmp_path):
    _seed(tmp_path)
    district = District.objects.get(slug=DEMO_SLUG)
    with system_context(district, reason="test"):
        assert AttendanceDay.unscoped.filter(district=district).exists()
        bands = set(Standing.unscoped.filter(district=district).values_list("band", flat=True))
        assert len(bands) == 6  # all five bands and not yet rated
        assert Student.unscoped.filter(district=district).exclude(last_name="").exists()


def test_seed_demo_covers_the_school_year_up_to_its_date_and_the_last(db, tmp_path):
    _seed(tmp_path)
    with system_context(District.objects.get(slug=DEMO_SLUG), reason="test"):
        last, year = SchoolYear.unscoped.filter(district__slug=DEMO_SLUG).order_by("first_day")
        as_of = sorted(
            Snapshot.unscoped.filter(district__slug=DEMO_SLUG).values_list("as_of", flat=True)
        )
    assert year.first_day == date(2026, 8, 17)
    assert year.contains(AS_OF)
    assert year.instructional_days == 180
    assert last.first_day == date(2025, 8, 18)
    # A snapshot every two weeks of school: the pages show a trend and last year's figures.
    this_year = [day for day in as_of if year.contains(day)]
    assert len(this_year) >= 3 and this_year[-1] == AS_OF
    assert len([day for day in as_of if last.contains(day)]) >= 15


def test_the_demo_year_opens_on_the_monday_after_mid_august():
    assert demo_school_year_start(date(2026, 11, 23)) == date(2026, 8, 17)
    assert demo_school_year_start(date(2027, 3, 1)) == date(2026, 8, 17)
    assert demo_school_year_start(date(2027, 8, 16)) == date(2026, 8, 17)
    assert demo_school_year_start(date(2027, 8, 20)) == date(2026, 8, 17)
    assert demo_school_year_start(date(2027, 8, 25)) == date(2027, 8, 23)


def test_the_demo_principal_sees_the_three_pdsa_cycles(db, tmp_path):
    _seed(tmp_path)
    principal = User.objects.get(email="principal@cedarvalley.example")
    with system_context(District.objects.get(slug=DEMO_SLUG), reason="test"):
        membership = Membership.objects.get(user=principal)
    with tenant_context(context_for_membership(membership)):
        cycles = {(c.title, c.number): c for c in Cycle.objects.for_user(principal)}
        assert set(cycles) == {
            ("2x10 Strategy", 1),
            ("2x10 Strategy", 2),
            ("Walking School Bus", 1),
        }
        first, second = cycles["2x10 Strategy", 1], cycles["2x10 Strategy", 2]
        bands = set(Participant.objects.filter(cycle=first).values_list("band_at_start", flat=True))
        walking_partners = [str(e) for e in cycles["Walking School Bus", 1].partner_entries.all()]
    # Eight Moderate chronic students; six checked in all ten days.
    assert Participation.stored(first) == Participation(8, 80, 71, 6)
    assert bands == {"moderate_chronic"}
    assert first.get_act_decision_display() == "Adapt (tweak the process and try again)"
    assert (second.previous_id, second.status, second.reached) == (first.pk, "plan", 0)
    assert walking_partners == ["Grace Community Church: Walking School Bus volunteers"]


def test_the_demo_facilitator_lands_on_a_workshop_the_demo_district_shares_with(
    db, tmp_path, client
):
    _seed(tmp_path)
    facilitator = User.objects.get(email="facilitator@cedarvalley.example")
    client.login(request=HttpRequest(), username=facilitator.email, password=DEMO_PASSWORD)
    landing = client.get("/").content.decode()
    assert "Thriving Schools Strategy Workshop" in landing
    with system_context(District.objects.get(slug=DEMO_SLUG), reason="test"):
        workshop = Workshop.objects.get()
        assert TeamMember.objects.count() == 4
    cohort = client.get(f"/workshops/{workshop.pk}/cohort/").content.decode()
    assert "District A" in cohort and "By school" in cohort and "Cedar Valley" not in cohort
    # Pine Ridge accepted under its name; Harbor Point has not answered, so is not shown.
    assert "Pine Ridge School District" in cohort and "Harbor Point" not in cohort
    with facilitating(facilitator):
        statuses = dict(
            Invitation.across_districts.filter(workshop=workshop).values_list(
                "district__slug", "status"
            )
        )
        plans = PlanAction.across_districts.filter(workshop=workshop).count()
    assert statuses == {
        "cedar-valley": "accepted",
        "pine-ridge": "accepted",
        "harbor-point": "pending",
    }
    assert plans == 4
    packet = client.get(
        f"/workshops/{workshop.pk}/packets/{_invitation_id(workshop, 'cedar-valley')}/"
    ).content.decode()
    assert "Self-assessment ingredient profile" in packet and "PDSA cycles" in packet
    assert "Cedar Valley" not in packet


def _invitation_id(workshop, slug) -> int:
    with system_context(District.objects.get(slug=slug), reason="test"):
        return Invitation.objects.get(workshop=workshop).pk


def test_the_demos_other_districts_come_through_the_same_import_path_with_an_admin_each(
    db, tmp_path, client
):
    printed = _seed(tmp_path)
    sizes = {}
    for slug, admin in (
        ("pine-ridge", "admin@pineridge.example"),
        ("harbor-point", "admin@harborpoint.example"),
    ):
        district = District.objects.get(slug=slug)
        assert admin in printed
        with system_context(district, reason="test"):
            assert (
                AttendanceImport.unscoped.filter(district=district, status="succeeded").count() == 4
            )
            taken = set(Snapshot.unscoped.filter(district=district).values_list("as_of", flat=True))
            sizes[slug] = Student.unscoped.filter(district=district).count()
            role = Membership.unscoped.get(district=district, user__email=admin).role
        assert role == Role.DISTRICT_ADMIN
        # Now and the same point of last year, which the packet compares.
        assert {AS_OF, date(2025, 11, 24)} <= taken
        assert client.login(request=HttpRequest(), username=admin, password=DEMO_PASSWORD)
    # A quarter and five eighths of the demo district's 700 students, this year or last.
    assert 150 < sizes["pine-ridge"] < 250 and 380 < sizes["harbor-point"] < 520
    # Pine Ridge's team reads the cohort: itself by name, the demo district by its alias.
    client.force_login(User.objects.get(email="admin@pineridge.example"))
    with system_context(District.objects.get(slug="cedar-valley"), reason="test"):
        workshop = Workshop.objects.get()
    cohort = client.get(
        f"/d/pine-ridge/workshops/{_invitation_id(workshop, 'pine-ridge')}/cohort/"
    ).content.decode()
    assert "Pine Ridge School District" in cohort and "District A" in cohort
    assert "Cedar Valley" not in cohort


def test_the_demo_principal_sees_the_2x10_studys_improvement(db, tmp_path, client):
    """The eight 2x10 students are present every day from the test on but for three excused
    days; the comparison group keeps its generated attendance. The principal's page shows it."""
    _seed(tmp_path)
    principal = User.objects.get(email="principal@cedarvalley.example")
    district = District.objects.get(slug=DEMO_SLUG)
    with system_context(district, reason="test"):
        first = Cycle.objects.get(change_idea__title="2x10 Strategy", number=1)
        study = StudyResult.objects.get(cycle=first)
        walking = StudyResult.objects.get(cycle__title="Walking School Bus")
    assert study.participants_n == 8 and study.comparison_n >= 10
    two_weeks, one_month = study.comparisons
    assert one_month["participants"]["change"] > 5
    assert abs(one_month["comparison"]["change"]) < 3
    assert one_month["difference_in_differences"] > 5
    assert two_weeks["descriptive_only"]  # eight participants: too few to test
    assert walking.participants_n == 5
    client.force_login(principal)
    page = client.get(f"/d/{DEMO_SLUG}/pdsa/{first.pk}/").content.decode()
    assert "too few students to tell an effect from chance" in page
    assert 'class="run-chart-test"' in page
