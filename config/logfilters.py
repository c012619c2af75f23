"""Logs and error reports never carry a full resident ID number (network security law, PIPL).

A number may arrive percent-encoded, as a request line writes a query string
(`?search=33068119500101101%58`, `%33%33…`, or encoded twice as `%2533`): the
pattern reads each character in either form, and the match is decoded before it
is masked, with the one mask of the registry (`veterans.idnumbers.mask_id_number`).
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import unquote

from django.views.debug import ExceptionReporter

from veterans.idnumbers import mask_id_number

_PCT = r"%(?:25)*"  # a percent sign, itself percent-encoded any number of times
_DIGIT = rf"(?:[0-9]|{_PCT}3[0-9])"
_LAST = rf"(?:[0-9Xx]|{_PCT}(?:3[0-9]|58|78))"
# 17 digits and a digit or X, not inside a longer run of digits, nor the fraction of a
# decimal number (Celery logs task durations such as 0.047862270228229511s).
ID_NUMBER_RE = re.compile(
    rf"(?<![0-9])(?<![0-9]\.)((?:{_DIGIT}){{17}}{_LAST})(?!{_DIGIT})",
    re.IGNORECASE,
)


def _decoded(token: str) -> str:
    while "%" in token:
        token, before = unquote(token), token
        if token == before:
            break
    return token.upper()


def mask_id_numbers(text: str) -> str:
    """Every ID number in the text, plain or percent-encoded, masked as the registry masks it."""
    return ID_NUMBER_RE.sub(lambda match: mask_id_number(_decoded(match.group(1))), text)


class IdNumberMaskFilter(logging.Filter):
    """Masks ID numbers in a record's message, arguments, traceback and stack.

    Installed on the root handler, so it sees every record that is written out,
    whichever logger made it. The message is formatted here (and the arguments
    dropped) because an ID number may arrive in either.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: mask the parts as they are
            message = f"{record.msg} {record.args}"
        record.msg = mask_id_numbers(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_id_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_id_numbers(record.stack_info)
        return True


class IdNumberMaskingExceptionReporter(ExceptionReporter):
    """Django's error report (the debug page, the e-mail to ADMINS), ID numbers masked."""

    def get_traceback_html(self) -> Any:
        return mask_id_numbers(str(super().get_traceback_html()))

    def get_traceback_text(self) -> Any:
        return mask_id_numbers(str(super().get_traceback_text()))
