"""The plan's rows (Jinja2) show dates exactly as Django's templates do, in any language."""

import datetime

from django.utils import translation
from django.utils.formats import localize

from cutover.jinja2 import localize_day_once


def test_every_day_of_a_year_reads_as_django_shows_it_and_months_follow_the_language():
    start = datetime.date.today()
    days = [start + datetime.timedelta(days=n) for n in range(366)]
    assert [localize_day_once(day) for day in days] == [localize(day) for day in days]
    november = datetime.date(start.year, 11, 26)
    with translation.override("de"):
        german = localize_day_once(november)
        assert german == localize(november)
    assert german != localize_day_once(november), "the English text is not served to German readers"


def test_values_that_are_not_days_are_left_to_django():
    moment = datetime.datetime(2030, 1, 2, 3, 4)
    assert localize_day_once(moment) == localize(moment)
    assert localize_day_once(1234) == localize(1234)
    assert localize_day_once("text") == "text"
