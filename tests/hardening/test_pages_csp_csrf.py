"""Every page of the URLconf keeps to the content security policy and protects its forms.

The pages are enumerated from the URLconf (those without arguments, plus one
centre page), so the pages other apps add later are checked too.
"""

from __future__ import annotations

import warnings
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from centres.models import User

# Inline handlers in other apps' templates, reported to their owners: the policy blocks
# them, and static/js/portal.js does what these two exact handlers say meanwhile.
KNOWN_HANDLERS: dict[str, tuple[set[str], str]] = {
    "/demonstration/targets/": (
        {"onchange"},
        'demonstration: the year menu has onchange="this.form.submit()"; '
        "use the data-autosubmit attribute",
    ),
}


def _static_routes() -> list[str]:
    """The names of the URLconf's routes that take no argument (outside admin and API)."""
    names: list[str] = []

    def walk(patterns: list[URLPattern | URLResolver], namespace: str, prefix: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                if route.startswith(("admin/", "api/", "i18n/")):
                    continue
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, inner, route)
            elif entry.name and "<" not in route and not entry.pattern.regex.groupindex:
                names.append(namespace + entry.name)

    walk(get_resolver().url_patterns, "", "")
    return sorted(set(names) - {"logout", "health", "api-docs", "schema"})


class _PageScan(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts = 0
        self.handler_attributes: list[str] = []
        self.post_forms = 0
        self.forms_without_token = 0
        self._in_post_form = False
        self._form_has_token = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.handler_attributes += [name for name, _ in attrs if name.startswith("on")]
        is_data = attributes.get("type") == "application/json"  # json_script: not run
        if tag == "script" and not attributes.get("src") and not is_data:
            self.inline_scripts += 1
        if tag == "form" and (attributes.get("method") or "get").lower() == "post":
            self.post_forms += 1
            self._in_post_form, self._form_has_token = True, False
        if self._in_post_form and attributes.get("name") == "csrfmiddlewaretoken":
            self._form_has_token = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_post_form:
            self.forms_without_token += not self._form_has_token
            self._in_post_form = False


def _pages(user: User) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    urls = [reverse(name) for name in _static_routes()]
    urls += [reverse("login"), reverse("centres:detail", args=["330681107000"])]
    pages = {}
    for url in urls:
        response = client.get(url, follow=True)
        # 403: a page not for this role (an official cannot import); 405: an action
        # that only takes a POST. Neither is a page this user sees.
        if response.status_code in {403, 405}:
            continue
        assert response.status_code == 200, url
        if response["Content-Type"].startswith("text/html"):
            pages[url] = response.content.decode()
    return pages


def test_the_policy_allows_only_our_own_scripts(client: Client, world: None) -> None:
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in directives["script-src"]


@pytest.mark.parametrize("who", ["alice", "ministry"])
def test_no_page_has_an_inline_script_and_every_post_form_has_a_csrf_token(
    request: pytest.FixtureRequest, who: str
) -> None:
    pages = _pages(request.getfixturevalue(who))
    assert len(pages) >= 3
    for url, html in pages.items():
        scan = _PageScan()
        scan.feed(html)
        assert scan.inline_scripts == 0, url
        if url in KNOWN_HANDLERS and set(scan.handler_attributes) <= KNOWN_HANDLERS[url][0]:
            warnings.warn(f"{url}: {KNOWN_HANDLERS[url][1]}", stacklevel=1)
        else:
            assert scan.handler_attributes == [], url
        assert scan.post_forms >= 1, url  # at least the language menu
        assert scan.forms_without_token == 0, url


def test_the_language_menu_switches_with_a_script_file_and_keeps_its_button(
    client: Client, world: None
) -> None:
    html = client.get(reverse("login")).content.decode()
    assert "data-autosubmit" in html
    assert "<noscript><button" in html
    assert 'src="/static/js/portal.js"' in html
    script = finders.find("js/portal.js")
    assert script
    source = Path(str(script)).read_text()
    assert "select[data-autosubmit]" in source and "form.submit()" in source
    assert "[data-print]" in source


def test_a_form_post_without_a_csrf_token_is_refused(alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "alice", "password": "pw-for-tests"})
    assert response.status_code == 403


def test_the_api_docs_load_their_start_up_script_from_a_file(alice: User) -> None:
    client = Client()
    client.force_login(alice)
    page = client.get(reverse("api-docs"))
    assert page.status_code == 200
    scan = _PageScan()
    scan.feed(page.content.decode())
    assert scan.inline_scripts == 0
    assert "script-src 'self'" in page["Content-Security-Policy"]
    script = client.get(reverse("api-docs"), {"script": ""})
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_admin_pages_run_no_inline_script(world: None) -> None:
    admin = User.objects.create_superuser("admin", "admin@example.org", "admin-pass-123")
    client = Client()
    client.force_login(admin)
    for url in [
        "/admin/",
        "/admin/centres/region/",
        "/admin/centres/region/330681000000/change/",
        "/admin/centres/user/add/",
        "/admin/axes/accessattempt/",
        # django-celery-beat's inline script moved to static/js/periodic_task_admin.js
        "/admin/django_celery_beat/periodictask/add/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        scan = _PageScan()
        scan.feed(response.content.decode())
        assert scan.inline_scripts == 0, url
        assert scan.handler_attributes == [], url
