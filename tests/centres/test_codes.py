import pytest

from centres import codes


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("330681", "330681000000"),
        ("330681107", "330681107000"),
        ("330681107201", "330681107201"),
        (" 330000 ", "330000000000"),
    ],
)
def test_short_codes_are_right_padded_to_twelve_digits(raw: str, expected: str) -> None:
    assert codes.normalize_code(raw) == expected


@pytest.mark.parametrize("raw", ["", "33068", "3306811", "33068110720A", "000000", "３３０６８１"])
def test_malformed_codes_are_refused(raw: str) -> None:
    with pytest.raises(codes.InvalidCode):
        codes.normalize_code(raw)


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("330000000000", "province"),
        ("330600000000", "city"),
        ("330681000000", "county"),
        ("330681107000", "township"),
        ("330681107201", "village"),
        ("441900000000", "city"),  # 东莞
        ("441900101000", "township"),  # a township directly under 东莞
        ("429004000000", "county"),  # 仙桃, directly under 湖北
    ],
)
def test_the_level_is_the_last_non_zero_group(code: str, level: str) -> None:
    assert codes.level_of(code) == level


def test_a_subtree_is_one_range_of_codes() -> None:
    assert codes.code_range("330681000000") == ("330681000000", "330681999999")
    assert codes.code_range("330681107000") == ("330681107000", "330681107999")
    assert codes.code_range("330681107201") == ("330681107201", "330681107201")


def test_ancestor_candidates_are_nearest_first_and_skip_duplicates() -> None:
    assert codes.ancestor_candidates("441900101000") == ["441900000000", "440000000000"]
    assert codes.ancestor_candidates("330681107201") == [
        "330681107000", "330681000000", "330600000000", "330000000000",
    ]
    assert codes.ancestor_candidates("330000000000") == []


@pytest.mark.parametrize(
    ("code", "region", "inside"),
    [
        ("330681107201", "330681000000", True),
        ("330681000000", "330681000000", True),
        ("330682000000", "330681000000", False),
        ("330681107201", "330000000000", True),
        ("440300000000", "330000000000", False),
        ("330681107201", "330681107000", True),
        ("330681108001", "330681107000", False),
    ],
)
def test_is_within_agrees_with_the_subtree_range(code: str, region: str, inside: bool) -> None:
    low, high = codes.code_range(region)
    assert codes.is_within(code, region) is inside
    assert (low <= code <= high) is inside
