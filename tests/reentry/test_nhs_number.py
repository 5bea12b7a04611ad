import pytest
from django.core.exceptions import ValidationError

from reentry.nhs_number import (
    demo_nhs_numbers,
    format_nhs_number,
    nhs_check_digit,
    normalise_nhs_number,
    validate_nhs_number,
)


@pytest.mark.parametrize("typed", ["9434765919", "943 476 5919", "943-476-5919", " 943 476  5919 ", "9990000018"])
def test_valid_nhs_numbers_pass_as_typed(typed):
    validate_nhs_number(typed)


def test_spaces_and_dashes_are_removed_and_nothing_else():
    assert normalise_nhs_number("943 476-5919") == "9434765919"
    assert normalise_nhs_number("943.476.5919") == "943.476.5919"


def test_a_wrong_check_digit_is_refused_with_its_own_message():
    with pytest.raises(ValidationError) as caught:
        validate_nhs_number("943 476 5918")
    assert caught.value.code == "check_digit"
    assert "last digit does not match" in caught.value.messages[0]


def test_swapped_digits_are_caught_by_the_check_digit():
    with pytest.raises(ValidationError) as caught:
        validate_nhs_number("493 476 5919")
    assert caught.value.code == "check_digit"


def test_nine_digits_whose_check_digit_would_be_ten_are_never_an_nhs_number():
    # 999 123 456 weighs to a remainder of 1, so its check digit would be 10: no valid number starts so.
    assert nhs_check_digit("999123456") is None
    for last in "0123456789":
        with pytest.raises(ValidationError) as caught:
            validate_nhs_number(f"999123456{last}")
        assert caught.value.code == "check_digit_ten"


def test_a_remainder_of_zero_gives_check_digit_zero():
    assert nhs_check_digit("999000005") == 0
    validate_nhs_number("9990000050")


@pytest.mark.parametrize(("typed", "count"), [("943 476 591", 9), ("94347659190", 11), ("", 0)])
def test_the_wrong_number_of_digits_says_how_many_were_typed(typed, count):
    with pytest.raises(ValidationError) as caught:
        validate_nhs_number(typed)
    assert caught.value.code == "length"
    assert f"has 10 digits; this one has {count}" in caught.value.messages[0]


FULL_WIDTH = "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19"  # 9434765919 in full-width digits


@pytest.mark.parametrize("typed", ["943 476 591O", "943/476/5919", FULL_WIDTH])
def test_letters_and_other_characters_are_refused(typed):
    with pytest.raises(ValidationError) as caught:
        validate_nhs_number(typed)
    assert caught.value.code == "not_digits"


def test_numbers_are_shown_in_three_three_four_groups():
    assert format_nhs_number("9434765919") == "943 476 5919"
    assert format_nhs_number("12345") == "12345"


def test_demo_numbers_are_valid_distinct_and_never_issued():
    numbers = demo_nhs_numbers(50)
    assert len(set(numbers)) == 50
    for number in numbers:
        assert number.startswith("999")
        validate_nhs_number(number)


def test_demo_numbers_refuse_to_leave_the_999_range():
    with pytest.raises(ValueError, match="999 range"):
        demo_nhs_numbers(5, start=999_999_998)


def test_a_number_in_scotlands_chi_range_that_does_not_begin_with_a_date_is_refused():
    # 310 299 1238 has a good check digit, but 31/02/99 is no date of birth, which every CHI number begins with.
    with pytest.raises(ValidationError) as caught:
        validate_nhs_number("310 299 1238")
    assert caught.value.code == "range"
    assert "Scottish CHI range" in caught.value.messages[0]
