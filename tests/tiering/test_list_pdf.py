"""A school's tiered list printed whole: exactly the students the filters select in the order
the list shows them, and the access record written. The body is set at 7.5 pt, readable on
paper: the support columns do not fit beside tiering's, so each student takes two lines, the
second labelled and indented under the name, and 16 students fit a page, none split across two."""

import csv
import io
import re
from datetime import date, timedelta

from pypdf import PdfReader

from districts.models import AuditAction, AuditEvent
from tests.reading import reading
from tests.sis import import_file
from tests.support import factories as support
from tests.tiered import HEADER, write
from tiering import list_pdf
from tiering.models import Student

STUDENTS = 70
STUDENT_ID = re.compile(r"(?<!\S)(P\d{3})(?!\S)")


def _school_of_seventy(district, tmp_path):
    roster = "student_id,first_name,last_name,grade,school_code\n" + "".join(
        # Long names, cut to their column rather than wrapping the row.
        f"P{n:03d},Maximiliana-Josefina{n},Fitzgerald-Montgomery-Oyelaran{n},3,101\n"
        for n in range(1, STUDENTS + 1)
    )
    previous = HEADER + "".join(f"P{n:03d},101,3,30,{n % 4}\n" for n in range(1, STUDENTS + 1))
    current = HEADER + "".join(f"P{n:03d},101,3,40,{n % 25}\n" for n in range(1, STUDENTS + 1))
    for name, text, as_of in (
        ("roster.csv", roster, date(2026, 11, 6)),
        ("previous.csv", previous, date(2026, 11, 6)),
        ("current.csv", current, date(2026, 11, 20)),
    ):
        record = import_file(district, write(tmp_path, name, text), as_of=as_of)
        assert record.status == "succeeded", record.errors


def _day(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def _body_sizes(page) -> set[float]:
    """The sizes, in points, of the text set in the list's regular monospaced face."""
    sizes = set()

    def visit(text, cm, tm, font, size):
        if text.strip() and font and font["/BaseFont"].endswith("+DejaVu-Sans-Mono"):
            sizes.add(round(size * tm[0] * cm[0], 2))

    page.extract_text(visitor_text=visit)
    return sizes


def test_the_whole_list_prints_16_students_a_page_on_two_lines_each(
    client, principal, district, school_year, school_a, tmp_path
):
    _school_of_seventy(district, tmp_path)
    today = district.today()
    talked_to = support.student(district, "P024")
    support.conversation(talked_to, staff=principal, held_on=today - timedelta(days=2))
    support.plan(talked_to, updated_by=principal, next_check_in=today - timedelta(days=1))
    support.intervention(talked_to, owner=principal, tier="II")
    client.force_login(principal)
    url = f"/d/riverside/attendance/schools/{school_a.pk}/?band=chronic"
    listed = [
        row[1]
        for row in list(csv.reader(io.StringIO(client.get(url + "&format=csv").content.decode())))[
            1:
        ]
    ]
    assert len(listed) == 59  # 4 to 24 days missed of 40: 10% or more

    response = client.get(url + "&format=pdf")

    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    pages = [page.extract_text() for page in reader.pages]
    per_page = [STUDENT_ID.findall(text) for text in pages]
    assert [len(ids) for ids in per_page] == [16, 16, 16, 11]
    assert [i for ids in per_page for i in ids] == listed
    assert "Band: Chronically absent" in pages[0] and "59 students" in pages[0]
    # Every page repeats the headings, then each student's two lines together.
    for text, ids in zip(pages, per_page, strict=True):
        lines = text.splitlines()
        start = next(n for n, line in enumerate(lines) if line.startswith("Student "))
        assert lines[start + 1].split() == ["enrolled", "absent", "missed", "day", "year"]
        students, footer = lines[start + 2 : -1], lines[-1]
        assert footer.startswith("Confidential: student records (FERPA) Page ")
        assert [STUDENT_ID.search(line)[1] for line in students[::2]] == ids
        assert all(line.startswith("    Support: ") for line in students[1::2])
    # At the size the list was set at before the support columns came, on every page.
    assert {size for page in reader.pages for size in _body_sizes(page)} == {list_pdf.FONT_PT}

    # A student's first line reads whole: the name cut to its column, band names whole. The
    # second carries the support, each value after its heading, overdue said in words.
    lines = pages[0].splitlines()
    first = next(n for n, line in enumerate(lines) if " P024 " in line)
    assert re.fullmatch(
        r"Fitzgerald-Montgomery-Oyelara… +P024 +3 +40 +24 +60\.0% +108\.0 +"
        r"Extreme Chronic Absence +Satisfactory Attendance \(worse now\)",
        lines[first].strip(),
    ), lines[first]
    assert " ".join(lines[first + 1].split()) == (
        f"Support: Tier II · Last contact: {_day(today - timedelta(days=2))} · "
        f"Next check-in: {_day(today - timedelta(days=1))} (overdue)"
    )
    assert " ".join(lines[first + 3].split()) == (
        "Support: none yet · Last contact: no contact yet · Next check-in: none set"
    )
    with reading(district):
        record = AuditEvent.objects.get(purpose=f"Tiered list of {school_a.name} (PDF)")
        shown = dict(Student.objects.filter(pk__in=record.object_ids).values_list("pk", "sis_id"))
    assert record.action == AuditAction.EXPORT and record.row_count == 59
    assert [shown[pk] for pk in record.object_ids] == listed


def test_the_support_columns_go_under_the_name_rather_than_shrink_the_type():
    """Tiering's own columns fit a line at 7.5 pt; with the support columns beside them the line
    would not, so those go under the name, their labels lined up down the page."""
    assert list_pdf.line_width(list_pdf.COLUMNS) <= list_pdf.characters_per_line()
    shown = list_pdf.layout()
    assert shown.on_line == list_pdf.COLUMNS
    assert [[label for label, _ in line] for line in shown.below] == [
        ["Support", "Last contact", "Next check-in"]
    ]
    assert (shown.lines_per_student, shown.students_per_page) == (2, 16)
    assert list_pdf.Layout(on_line=list_pdf.COLUMNS, below=()).students_per_page == 25
