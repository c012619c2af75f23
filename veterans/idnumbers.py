"""Resident ID numbers (公民身份号码, GB 11643-1999).

18 characters: a 6-digit address code, the birth date as YYYYMMDD, a 3-digit
sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check
character (0-9 or X).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalize_id_number(raw: object) -> str:
    return str(raw or "").strip().upper()


def birth_date_of(id_number: str) -> datetime.date:
    return datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def sex_of(id_number: str) -> str:
    """`M` or `F`, from the parity of the sequence digit."""
    return "M" if int(id_number[16]) % 2 else "F"


def validate_id_number(value: str, *, sex: str | None = None) -> None:
    """Raise ValidationError with the first rule the number breaks."""
    if len(value) != 18:
        raise ValidationError(
            _("A resident ID number has 18 characters; this one has %(count)d."),
            code="length",
            params={"count": len(value)},
        )
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise ValidationError(
            _("A resident ID number is 17 digits followed by a digit or X."), code="characters"
        )
    try:
        born = birth_date_of(value)
    except ValueError as exc:
        raise ValidationError(
            _("The birth date in the ID number (%(date)s) is not a real date."),
            code="birth_date",
            params={"date": value[6:14]},
        ) from exc
    if born > datetime.date.today() or born.year < 1900:
        raise ValidationError(
            _("The birth date in the ID number (%(date)s) is out of range."),
            code="birth_date",
            params={"date": value[6:14]},
        )
    if check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("The check digit of the ID number is wrong; please check the number."),
            code="check_digit",
        )
    if sex and sex != sex_of(value):
        raise ValidationError(
            _("The ID number belongs to a %(sex)s, which does not match the sex given."),
            code="sex",
            params={"sex": _("man") if sex_of(value) == "M" else _("woman")},
        )


MASK_KEPT = 6  # the address code: the region the record already shows says as much


def mask_id_number(value: str) -> str:
    """`330681************`: the address code only; birth date, sequence and check hidden.

    The rule a mask keeps: at least 1,000 valid numbers stay consistent with all that
    an answer shows about the person. Beside this mask an answer may show the sex and
    the birth year (never the birth date): 365 days x 500 sequence numbers of that
    parity = 182,500 numbers, each with its own check character. The older mask kept
    the last four characters too; with the birth year beside it, only the day and
    month were hidden, about 33 numbers once the check character is matched.
    """
    if len(value) <= MASK_KEPT:
        return "*" * len(value)
    return value[:MASK_KEPT] + "*" * (len(value) - MASK_KEPT)
