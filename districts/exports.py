"""Downloads of the lists people review, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

# A cell starting with one of these runs as a formula in Excel or Sheets (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def neutralize(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_download(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    # Rows are written here, while the request's tenant context is open; a streaming response
    # would be consumed after the middleware has left it.
    writer = csv.writer(_Echo())
    lines = [writer.writerow([neutralize(c) for c in header])]
    lines.extend(writer.writerow([neutralize(c) for c in row]) for row in rows)
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
