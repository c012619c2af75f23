"""Error pages in the portal's language with its navigation and a way back; the favicon;
each language named in itself (issue 18)."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from centres.models import User
from tests.cases.test_pages import client_for

pytestmark = pytest.mark.django_db


def test_an_official_opening_the_visit_page_gets_the_chinese_403_page(ministry: User) -> None:
    response = client_for(ministry).get("/visits/new/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "您的角色不能进行此项操作" in body and "回到首页" in body
    assert 'id="main-nav"' in body  # the navigation is there
    assert "Forbidden" not in body


def test_an_unknown_page_gets_the_chinese_404_page_with_debug_off(
    alice: User, settings: object
) -> None:
    settings.DEBUG = False  # type: ignore[attr-defined]
    response = client_for(alice).get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "这里没有这个页面" in body and 'id="main-nav"' in body and "data-back" in body
    assert "Not Found" not in body


def test_the_500_page_renders_without_a_request() -> None:
    with translation.override("zh-hans"):
        body = render_to_string("500.html")
    assert "系统出现了问题" in body and 'href="/"' in body


def test_the_favicon_is_served(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_each_language_is_named_in_itself(alice: User) -> None:
    body = client_for(alice).get("/cases/").content.decode()
    assert ">English</option>" in body and ">简体中文</option>" in body
    assert "英语" not in body
