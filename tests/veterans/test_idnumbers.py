"""Each rule of the resident ID number, with real valid and invalid numbers."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.factories.veterans import id_number
from veterans.idnumbers import check_character, mask_id_number, validate_id_number

# Computed by hand from the weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 (mod 11 → 10X98765432).
VALID_EXAMPLE = "11010519491231002X"  # the GB 11643 example (a woman: 002 is even)
VALID = "330681198001011232"  # check character computed: 2


def code_of(value: str, sex: str | None = None) -> str:
    with pytest.raises(ValidationError) as info:
        validate_id_number(value, sex=sex)
    return str(info.value.code)


def test_the_check_character_of_the_standard_example_is_x() -> None:
    assert check_character("11010519491231002") == "X"


def test_a_number_with_the_right_check_digit_is_valid() -> None:
    assert check_character(VALID[:17]) == VALID[17]
    validate_id_number(VALID)
    validate_id_number(VALID_EXAMPLE, sex="F")


def test_a_computed_number_for_a_woman_is_valid_with_sex_f() -> None:
    validate_id_number(id_number(male=False), sex="F")


@pytest.mark.parametrize("value", ["33068119800101123", "3306811980010112377", ""])
def test_a_number_must_have_18_characters(value: str) -> None:
    assert code_of(value) == "length"


@pytest.mark.parametrize(
    "value", ["33068119800101123A", "3306811980010112X7", "33068119800101123x"]
)
def test_only_digits_and_a_final_capital_x_are_allowed(value: str) -> None:
    assert code_of(value) == "characters"


@pytest.mark.parametrize("birth", ["19800230", "19801301", "19800000"])
def test_the_birth_date_must_be_a_real_date(birth: str) -> None:
    first17 = f"330681{birth}123"
    assert code_of(first17 + check_character(first17)) == "birth_date"


def test_a_birth_date_in_the_future_is_out_of_range() -> None:
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    first17 = f"330681{tomorrow:%Y%m%d}123"
    assert code_of(first17 + check_character(first17)) == "birth_date"


def test_a_birth_date_before_1900_is_out_of_range() -> None:
    first17 = "330681189912311233"[:17]
    assert code_of(first17 + check_character(first17)) == "birth_date"


def test_a_wrong_check_digit_is_refused() -> None:
    wrong = VALID[:17] + ("0" if VALID[17] != "0" else "1")
    assert code_of(wrong) == "check_digit"


def test_a_swapped_pair_of_digits_is_caught_by_the_check_digit() -> None:
    swapped = VALID[:7] + VALID[8] + VALID[7] + VALID[9:]
    assert swapped != VALID
    assert code_of(swapped) in ("check_digit", "birth_date")


def test_an_odd_sequence_digit_is_a_man_and_refuses_sex_f() -> None:
    assert int(VALID[16]) % 2 == 1
    validate_id_number(VALID, sex="M")
    assert code_of(VALID, sex="F") == "sex"


def test_an_even_sequence_digit_is_a_woman_and_refuses_sex_m() -> None:
    woman = id_number(male=False)
    assert int(woman[16]) % 2 == 0
    assert code_of(woman, sex="M") == "sex"


def test_masking_keeps_the_address_code_only() -> None:
    assert mask_id_number("33068119800101123X") == "330681************"
    assert mask_id_number(VALID) == "330681************"
