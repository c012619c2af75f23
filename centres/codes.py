"""Statistical division codes (统计用区划代码): `PP CC DD TTT VVV`, 12 digits.

The level of a region follows from its code alone (the last non-zero group), and
a region's subtree is the range of codes that share its significant prefix. This
module is pure: no database, so every room and every query can use it.
"""

from django.utils.translation import gettext as _

CODE_LENGTH = 12
# The nation's code: the rollups and the statistics API name the whole country by it.
NATION = "0" * CODE_LENGTH

# Significant prefix length of each level, from the top down.
PREFIX_LENGTHS: dict[str, int] = {
    "province": 2,
    "city": 4,
    "county": 6,
    "township": 9,
    "village": 12,
}
LEVELS_TOP_DOWN: tuple[str, ...] = tuple(PREFIX_LENGTHS)


class InvalidCode(ValueError):
    """A region code that cannot be read; the message is for the user."""


def normalize_code(raw: object) -> str:
    """The 12-digit form of a 6-, 9- or 12-digit code (right-padded with zeros)."""
    text = str(raw if raw is not None else "").strip()
    if not text.isascii() or not text.isdigit() or len(text) not in (6, 9, 12):
        raise InvalidCode(_("“%(code)s” is not a region code: 6, 9 or 12 digits expected.")
                          % {"code": text})
    code = text.ljust(CODE_LENGTH, "0")
    if code[:2] == "00":
        raise InvalidCode(_("“%(code)s” is not a region code: it names no province.")
                          % {"code": text})
    return code


def level_of(code: str) -> str:
    """The level named by the last non-zero group of the code."""
    if code[9:12] != "000":
        return "village"
    if code[6:9] != "000":
        return "township"
    if code[4:6] != "00":
        return "county"
    if code[2:4] != "00":
        return "city"
    return "province"


def prefix_of(code: str) -> str:
    """The significant prefix: every region in the subtree starts with it."""
    return code[: PREFIX_LENGTHS[level_of(code)]]


def is_within(code: str, region_code: str) -> bool:
    """Whether `code` lies in the subtree of `region_code` (itself included), as `within_q`."""
    return code.startswith(prefix_of(region_code))


def code_range(code: str) -> tuple[str, str]:
    """The first and last code of the subtree, for an indexed range scan."""
    prefix = prefix_of(code)
    return prefix.ljust(CODE_LENGTH, "0"), prefix.ljust(CODE_LENGTH, "9")


def digits_range(digits: str) -> tuple[str, str]:
    """The codes that start with these digits (a typed prefix), as an indexed range."""
    return digits.ljust(CODE_LENGTH, "0"), digits.ljust(CODE_LENGTH, "9")


def ancestor_candidates(code: str) -> list[str]:
    """The codes of every level above this one, nearest first.

    The parent is the first of these that exists: a county directly under a
    province (省直辖县级市, 直辖市 districts) or a township directly under a city
    (东莞, 中山) skips the level that is missing.
    """
    own = LEVELS_TOP_DOWN.index(level_of(code))
    candidates = []
    for level in reversed(LEVELS_TOP_DOWN[:own]):
        candidate = code[: PREFIX_LENGTHS[level]].ljust(CODE_LENGTH, "0")
        if candidate != code and candidate not in candidates:
            candidates.append(candidate)
    return candidates


def short_code(code: str) -> str:
    """The familiar form: 6 digits down to county level, 9 for townships."""
    level = level_of(code)
    if level == "village":
        return code
    if level == "township":
        return code[:9]
    return code[:6]
