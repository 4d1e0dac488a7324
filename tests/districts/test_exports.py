import datetime
import decimal
import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from django.template.loader import render_to_string
from django.test import RequestFactory
from openpyxl import load_workbook
from pypdf import PdfReader

from districts.exports import pdf_download, xlsx_download


def test_it_keeps_numbers_and_dates_typed_and_neutralises_formulas_in_xlsx():
    response = xlsx_download(
        filename="list.xlsx",
        sheet="Students",
        header=["Name", "Days", "Percent", "As of", "Flag"],
        rows=[['=HYPERLINK("x")', 12, decimal.Decimal("6.67"), datetime.date(2026, 11, 2), True]],
    )
    assert response["Content-Disposition"] == 'attachment; filename="list.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Students"
    assert [c.value for c in sheet[1]] == ["Name", "Days", "Percent", "As of", "Flag"]
    name, days, percent, as_of, flag = (c.value for c in sheet[2])
    assert name == '\'=HYPERLINK("x")'
    assert days == 12
    assert percent == 6.67
    assert as_of.date() == datetime.date(2026, 11, 2)
    assert flag == "Yes"


def test_it_renders_a_pdf_whose_text_reads_back(district):
    request = RequestFactory().get("/")
    request.district = district
    html = render_to_string("pdf/base.html", {"request": request})
    response = pdf_download(filename="plan.pdf", html=html)
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert district.name in text
    assert "Page 1 of 1" in text


def test_it_never_fetches_remote_resources_for_a_pdf():
    requested = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self):
            requested.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        html = f'<link rel="stylesheet" href="{url}/x.css"><img src="{url}/x.png"><p>Hello</p>'
        response = pdf_download(filename="x.pdf", html=html)
    finally:
        server.shutdown()
    assert "Hello" in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert requested == []
