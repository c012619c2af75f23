"""Unknown URLs: JSON under /api/ (as the schema documents), the HTML page elsewhere."""

from __future__ import annotations

from django.test import Client

from centres.models import User


def test_an_unknown_api_url_answers_json_404(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.get("/api/v1/centres/1.5/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到。", "code": "not_found"}


def test_an_unknown_page_answers_the_html_404(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
