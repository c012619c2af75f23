"""Region-code filters refuse any text with a 400 (found by the API fuzzing: a `%` gave 500)."""

from __future__ import annotations

import pytest

from centres.models import User
from tests.conftest import api_as


@pytest.mark.parametrize(
    ("path", "parameter"), [("/api/v1/regions/", "parent"), ("/api/v1/centres/", "region")]
)
@pytest.mark.parametrize("text", ["Area: %(area)s", "100%", "%s%d"])
def test_a_code_with_a_percent_sign_is_refused_with_its_message(
    ministry: User, path: str, parameter: str, text: str
) -> None:
    response = api_as(ministry).get(path, {parameter: text}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {
        parameter: [f"“{text}” is not a region code: 6, 9 or 12 digits expected."]
    }
