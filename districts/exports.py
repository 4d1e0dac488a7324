"""Downloads of the lists people review: CSV and XLSX safe to open in a spreadsheet, and PDFs
rendered from the pages' own templates."""

from __future__ import annotations

import csv
import datetime
import decimal
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from weasyprint import HTML
from weasyprint.urls import URLFetcher

# A cell starting with one of these runs as a formula in Excel or Sheets (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Spreadsheet cells keep numbers and dates as such (they sort and sum); only text can carry a
# formula, so only text is neutralised.
_TYPED_CELL_VALUES = (int, float, decimal.Decimal, datetime.date, datetime.datetime)


def neutralize(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def _xlsx_value(value: object) -> object:
    if value is None or isinstance(value, bool):
        return "" if value is None else ("Yes" if value else "No")
    if isinstance(value, _TYPED_CELL_VALUES):
        return value
    return neutralize(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_download(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    # Rows are written here, while the request's tenant context is open; a streaming response
    # would be consumed after the middleware has left it.
    writer = csv.writer(_Echo())
    lines = [writer.writerow([neutralize(c) for c in header])]
    lines.extend(writer.writerow([neutralize(c) for c in row]) for row in rows)
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    return _attachment(response, filename)


def xlsx_download(
    *, filename: str, sheet: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    return xlsx_workbook_download(filename=filename, sheets=[(sheet, header, rows)])


def xlsx_workbook_download(
    *, filename: str, sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[object]]]]
) -> HttpResponse:
    """One workbook of several (title, header, rows) sheets, for documents with several
    parts (an action plan's items, reflections and priorities)."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet, header, rows in sheets:
        worksheet = workbook.create_sheet(title=sheet[:31])
        worksheet.freeze_panes = "A2"
        header_cells = []
        for title in header:
            cell = WriteOnlyCell(worksheet, value=neutralize(title))
            cell.font = bold
            header_cells.append(cell)
        worksheet.append(header_cells)
        for row in rows:
            worksheet.append([_xlsx_value(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _attachment(HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE), filename)


def pdf_bytes(*, html: str) -> bytes:
    """A PDF of ``html``, which carries its own styles (templates/pdf/base.html): fetching is
    limited to data: URLs, so a document can never make the server request anything."""
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf()


def pdf_download(*, filename: str, html: str) -> HttpResponse:
    """A download of ``pdf_bytes(html=html)``, made while the request waits."""
    pdf = pdf_bytes(html=html)
    return _attachment(HttpResponse(pdf, content_type="application/pdf"), filename)


def pdf_file_download(*, filename: str, path) -> HttpResponse:
    """A PDF built earlier (by a background task) and kept on disk."""
    return _attachment(HttpResponse(path.read_bytes(), content_type="application/pdf"), filename)
