"""Logs never carry a full resident ID number (network security law, PIPL)."""

from __future__ import annotations

import logging
import re

# 17 digits and a digit or X, not inside a longer run of digits, nor the fraction of a
# decimal number (Celery logs task durations such as 0.047862270228229511s).
ID_NUMBER_RE = re.compile(
    r"(?<![0-9])(?<![0-9]\.)([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9])"
)


def mask_id_numbers(text: str) -> str:
    """`330681199001011234` -> `330681********1234`: the address code and the last four stay."""
    return ID_NUMBER_RE.sub(r"\1********\2", text)


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
