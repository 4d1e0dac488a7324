"""The API's documentation page in Chromium: Swagger UI from this origin's own files, under
the app's Content-Security-Policy, listing every operation of the schema (the journey fails on
any console error: a refused script or style, a file not found, a script error)."""

from playwright.sync_api import expect


def test_the_docs_list_every_operation_under_the_content_security_policy(journey, db):
    page = journey.page
    response = page.goto(journey.base_url + "/api/v1/docs/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    schema = page.request.get(journey.base_url + "/api/v1/schema/?format=json").json()
    operations = [
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method in methods
        if method in ("get", "post", "put", "patch", "delete")
    ]
    blocks = page.locator(".opblock")
    expect(blocks).to_have_count(len(operations))
    for method, path in operations:
        summary = page.locator(f'.opblock-{method.lower()} [data-path="{path}"]')
        expect(summary).to_be_visible()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    journey.screenshot("api-docs")
