"""Form widgets every app shares: the browser's own date and date-and-time pickers.

The value is written in the ISO form those pickers read (2027-03-01, 2027-03-01T09:30), whatever
the display format of the page around them.
"""

from django import forms


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)
