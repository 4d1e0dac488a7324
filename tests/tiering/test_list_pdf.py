"""A school's tiered list printed whole: 25 students a page on one line each, exactly the
students the filters select in the order the list shows them, and the access record written."""

import csv
import io
import re
from datetime import date

from pypdf import PdfReader

from districts.models import AuditAction, AuditEvent
from tests.reading import reading
from tests.sis import import_file
from tests.tiered import HEADER, write
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


def test_the_whole_list_prints_25_students_a_page_as_filtered(
    client, principal, district, school_year, school_a, tmp_path
):
    _school_of_seventy(district, tmp_path)
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
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]
    per_page = [STUDENT_ID.findall(text) for text in pages]
    assert [len(ids) for ids in per_page] == [25, 25, 9]
    assert [i for ids in per_page for i in ids] == listed
    assert "Band: Chronically absent" in pages[0] and "59 students" in pages[0]
    # A student's row reads whole on one line: the name cut to its column, band names whole,
    # then the student's support (tests/support/test_list_columns.py prints some).
    first = next(line for line in pages[0].splitlines() if "P024" in line)
    assert re.fullmatch(
        r"Fitzgerald-Montgomery-Oyelara… +P024 +3 +40 +24 +60\.0% +108\.0 +"
        r"Extreme Chronic Absence +Satisfactory Attendance \(worse now\) +"
        r"none yet +no contact yet +none set",
        first.strip(),
    ), first
    with reading(district):
        record = AuditEvent.objects.get(purpose=f"Tiered list of {school_a.name} (PDF)")
        shown = dict(Student.objects.filter(pk__in=record.object_ids).values_list("pk", "sis_id"))
    assert record.action == AuditAction.EXPORT and record.row_count == 59
    assert [shown[pk] for pk in record.object_ids] == listed
