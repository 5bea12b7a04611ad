"""Checks on what people type about contacts: UK phone numbers and organisations' ODS codes."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

UK_PHONE_MESSAGE = "Enter a UK phone number, for example 0113 496 0000 or +44 113 496 0000."

ods_organisation_code_validator = RegexValidator(
    r"^[A-Za-z0-9]{3,5}$",
    "Enter the organisation's ODS code: 3 to 5 letters or digits, for example RR8 or 0DF.",
)


def normalise_uk_phone(value: str) -> str:
    """The number in the usual UK written form ("0113 496 0000"), or a ValidationError.

    Google's numbering data (the `phonenumbers` package) knows which ranges are
    really in use, which a pattern cannot: "0113 496 000" looks fine and is not.
    """
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        raise ValidationError(UK_PHONE_MESSAGE, code="invalid_phone") from None
    # Guernsey, Jersey and the Isle of Man share +44 but are not the UK.
    if not phonenumbers.is_valid_number(number) or phonenumbers.region_code_for_number(number) != "GB":
        raise ValidationError(UK_PHONE_MESSAGE, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def uk_phone_validator(value: str) -> None:
    if value:
        normalise_uk_phone(value)
