"""NHS numbers: ten digits, the last a modulus 11 check digit over the first nine.

People type them with spaces or dashes ("943 476 5919"); we store the ten digits only
and show them back in the familiar 3-3-4 groups. The arithmetic and the range rules are the
maintained `nhs-number` package's; this module adds messages the person at the desk can act on.
`validate_nhs_number` is the one check: the entry model's field runs it, so the form (a ModelForm
field or the service's full_clean) and every other path check a number the same way.
"""

import re

import nhs_number as nhs
from django.core.exceptions import ValidationError

_SEPARATORS = re.compile(r"[\s\-]+")
_DIGITS = re.compile(r"[0-9]*")


def normalise_nhs_number(value: str) -> str:
    """The digits as typed, with spaces and dashes taken out (nothing else is changed)."""
    return _SEPARATORS.sub("", value or "")


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when the result is 10: no NHS number uses those nine digits."""
    check = nhs.calculate_checksum(first_nine)
    return None if check == 10 else check


def validate_nhs_number(value: str) -> None:
    """Raise a ValidationError that says what is wrong, so the person at the desk can fix it."""
    digits = normalise_nhs_number(value)
    if not _DIGITS.fullmatch(digits):
        raise ValidationError(
            "An NHS number is made of digits only (spaces and dashes are fine), for example 943 476 5919.",
            code="not_digits",
        )
    if len(digits) != 10:
        raise ValidationError(
            "An NHS number has 10 digits; this one has %(count)d. Check it against the patient's letter or card.",
            code="length",
            params={"count": len(digits)},
        )
    expected = nhs_check_digit(digits[:9])
    if expected is None:
        raise ValidationError(
            "This cannot be an NHS number: no NHS number begins with these first 9 digits. Check for a mistyped digit.",
            code="check_digit_ten",
        )
    if int(digits[9]) != expected:
        raise ValidationError(
            "This is not a valid NHS number: its last digit does not match the other nine. "
            "Check for a mistyped or swapped digit.",
            code="check_digit",
        )
    if not nhs.is_valid(digits):
        # The package also refuses numbers in Scotland's CHI range whose first six digits are not a date.
        raise ValidationError(
            "This is not a valid NHS number: it falls in the Scottish CHI range but does not begin with a "
            "date of birth. Check for a mistyped digit.",
            code="range",
        )


def format_nhs_number(digits: str) -> str:
    """'9434765919' becomes '943 476 5919'; anything else is returned unchanged."""
    if len(digits) == 10 and digits.isdigit():
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    return digits


def demo_nhs_numbers(count: int, *, start: int = 999_000_000) -> list[str]:
    """Valid NHS numbers from the 999 range, which is never issued to patients: for demos and tests."""
    found: list[str] = []
    base = start
    while len(found) < count:
        if not 999_000_000 <= base <= 999_999_999:
            raise ValueError("Demo NHS numbers must stay within the never-issued 999 range.")
        nine = f"{base:09d}"
        check = nhs_check_digit(nine)
        if check is not None:
            found.append(f"{nine}{check}")
        base += 1
    return found
