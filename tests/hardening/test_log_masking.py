"""Logs never contain a full resident ID number (issue 8, point 6)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from config.logfilters import IdNumberMaskFilter, mask_id_numbers

ID = "33068119900101123X"
MASKED = "330681************"


@pytest.fixture
def root_output() -> Iterator[io.StringIO]:
    """What the root handler (the one Django's LOGGING installs) writes."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, IdNumberMaskFilter) for f in h.filters)
    )
    assert isinstance(handler, logging.StreamHandler)
    output = io.StringIO()
    previous = handler.setStream(output)
    yield output
    handler.setStream(previous)


def test_an_id_number_is_masked_to_its_address_code() -> None:
    assert mask_id_numbers(f"veteran {ID} logged") == f"veteran {MASKED} logged"
    assert mask_id_numbers("110105194912310021,x") == "110105************,x"
    assert mask_id_numbers("id=11010519491231002x") == "id=110105************"
    assert mask_id_numbers(f"{ID}.") == f"{MASKED}."
    assert mask_id_numbers(f"证件号.{ID}") == f"证件号.{MASKED}"


def test_other_numbers_are_left_alone() -> None:
    for text in ["13800138000", "1234567890123456", "12345678901234567890", "order 2026112800001",
                 "succeeded in 0.047862270228229511s: 6"]:
        assert mask_id_numbers(text) == text


def test_the_root_handler_masks_the_message_and_its_arguments(root_output: io.StringIO) -> None:
    logging.getLogger("veterans.imports").warning(f"row 3: {ID} rejected")
    logging.getLogger("cases.services").info("case for %s (%d)", ID, 7)
    logging.getLogger("anything").error("%(who)s", {"who": ID})
    written = root_output.getvalue()
    assert ID not in written
    assert written.count(MASKED) == 3
    assert "(7)" in written


def test_tracebacks_and_django_request_logs_are_masked(root_output: io.StringIO) -> None:
    try:
        raise ValueError(f"duplicate id_number {ID}")
    except ValueError:
        logging.getLogger("django.request").exception("Internal Server Error: /veterans/%s/", ID)
    logging.getLogger("django.server").info('"GET /veterans/?search=%s HTTP/1.1" 200', ID)
    written = root_output.getvalue()
    assert ID not in written
    assert "Traceback" in written
    assert f"duplicate id_number {MASKED}" in written
    assert f"search={MASKED}" in written


def test_a_record_with_broken_arguments_is_still_masked() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s and %s", (ID,), None)
    IdNumberMaskFilter().filter(record)
    assert ID not in record.getMessage()


@pytest.mark.parametrize("encoded", [
    "33068119900101123%58",  # the check character X encoded
    "%33%33%30%36%38%31%31%39%39%30%30%31%30%31%31%32%33%58",  # every character
    "3306811990%30%31%30%31123X",  # the birth digits only
    "%2533306811990010112%33X",  # encoded twice
    "33068119900101123%78",  # a lowercase x
])
def test_a_percent_encoded_number_is_masked_after_decoding(
    encoded: str, root_output: io.StringIO
) -> None:
    """Issue 15, finding 9: `?search=33068119500101101%58` went through unmasked."""
    logging.getLogger("django.server").info('"GET /veterans/?search=%s HTTP/1.1" 200', encoded)
    written = root_output.getvalue()
    assert f"search={MASKED} HTTP" in written
    assert encoded not in written


def test_the_error_report_masks_id_numbers(rf: Any) -> None:
    """Django's error report (the debug page, the mail to ADMINS) carries no full number."""
    from django.views.debug import get_exception_reporter_class

    from config.logfilters import IdNumberMaskingExceptionReporter

    request = rf.get("/veterans/", {"search": ID, "q": "33068119900101123%58"})
    assert get_exception_reporter_class(request) is IdNumberMaskingExceptionReporter
    try:
        raise ValueError(f"no veteran {ID}")
    except ValueError as exc:
        reporter = IdNumberMaskingExceptionReporter(request, type(exc), exc, exc.__traceback__)
        for report in (reporter.get_traceback_text(), reporter.get_traceback_html()):
            assert ID not in report and "33068119900101123%58" not in report
            assert MASKED in report
