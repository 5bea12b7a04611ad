"""Text that people type or upload, and text we write into spreadsheets.

Two rules, each in one place:

- What comes in (every form through `CleanTextMixin`, every wave file cell through the import) is
  stored in Unicode NFC, and is refused if it holds a control character: NUL breaks PostgreSQL,
  and the rest break exports and confuse whoever reads the text later. Tab, line feed and carriage
  return are allowed where text may run over several lines.
- What goes out to CSV or Excel goes through `spreadsheet_text()`: control characters are taken out
  (openpyxl refuses them, so one would turn an export into an error page), and text that a
  spreadsheet would run as a formula is quoted.
"""

import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

# Unicode's "Cc" category: C0 controls, DEL and the C1 controls.
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_LINE_BREAKS = "\t\n\r"
CONTROL_CHARACTERS = re.compile(f"[{_CONTROL}]")
CONTROL_CHARACTERS_ONE_LINE = re.compile(f"[{_CONTROL}{_LINE_BREAKS}]")

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Google Sheets,
# so a practice named "=HYPERLINK(...)" could run code on the reader's machine (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Word's soft line break (vertical tab) and page break are line breaks to the person who typed them.
_SPREADSHEET_REPLACEMENTS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})


def control_characters(text: str, *, multiline: bool = True) -> list[str]:
    """The control characters in the text, as "U+0001", in order of first appearance."""
    pattern = CONTROL_CHARACTERS if multiline else CONTROL_CHARACTERS_ONE_LINE
    return list(dict.fromkeys(f"U+{ord(char):04X}" for char in pattern.findall(text)))


def control_characters_message(found: list[str]) -> str:
    names = ", ".join(found[:3]) + (" and others" if len(found) > 3 else "")
    return (
        f"This text holds a control character ({names}) that cannot be stored. It usually comes from "
        "copying out of another program: type the text again, or paste it as plain text."
    )


def text_from_user(text: str, *, multiline: bool) -> str:
    """The text in NFC, or a ValidationError naming the control characters it holds."""
    found = control_characters(text, multiline=multiline)
    if found:
        raise ValidationError(control_characters_message(found), code="control_characters")
    return unicodedata.normalize("NFC", text)


def _cleaning(to_python, *, multiline: bool):
    def to_python_clean(value):
        value = to_python(value)
        return text_from_user(value, multiline=multiline) if isinstance(value, str) else value

    return to_python_clean


class CleanTextMixin:
    """Put first in a form's bases: every text field then gives NFC text without control characters.

    The check runs in the field's to_python, before its validators, so max_length counts the
    stored (NFC) text and the error shows beside the field. Textareas may hold tabs and line
    breaks; one-line inputs may not. Passwords are left exactly as typed.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput):
                field.to_python = _cleaning(field.to_python, multiline=isinstance(field.widget, forms.Textarea))


class CleanTextModelForm(CleanTextMixin, forms.ModelForm):
    """The admin's form (ModelAdmin.form): the same text rules as every other form."""


def spreadsheet_text(text: str, *, quote_formulas: bool) -> str:
    """Text safe to write into a CSV or Excel cell: the one cleaning every export uses.

    quote_formulas puts a quote before text a spreadsheet would run as a formula; it is for CSV.
    An Excel cell written as text (data type "s") is never run, so it keeps its text as it is.
    """
    text = CONTROL_CHARACTERS.sub("", text.translate(_SPREADSHEET_REPLACEMENTS))
    if quote_formulas and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def spreadsheet_value(value: Any, *, quote_formulas: bool) -> Any:
    """spreadsheet_text() for text; any other value (number, date, None) as it is."""
    return spreadsheet_text(value, quote_formulas=quote_formulas) if isinstance(value, str) else value
