"""Each shared rule is written once, in the app that owns it; the others ask it.

A second copy of a rule drifts: the dashboard and the reminders once gave three answers to "when is
the planning meeting due?". These checks read our source (migrations aside) for the telltale
expression of each rule and fail if it turns up outside its home, naming the file to change.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "accounts",
    "api",
    "audit",
    "calendars",
    "coordinator",
    "cutover",
    "dashboard",
    "demo",
    "lifecycle",
    "practices",
    "printouts",
    "programme",
    "reentry",
    "reminders",
    "systems",
    "tasks",
]


def source_files():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def places(pattern: str) -> set[str]:
    regex = re.compile(pattern, re.MULTILINE)
    return {str(path.relative_to(ROOT)) for path in source_files() if regex.search(path.read_text())}


@pytest.mark.parametrize(
    ("rule", "pattern", "home"),
    [
        (
            "the planning meeting deadline counts back from FDP",
            r"timedelta\(days=settings\.PLANNING_MEETING_DAYS_BEFORE_FDP\)",
            {"cutover/timeline.py"},
        ),
        (
            "the switch-off window counts back from FDP",
            r"= settings\.SWITCH_OFF_WORKING_DAYS_BEFORE_FDP$",
            {"cutover/timeline.py"},
        ),
        (
            "legacy support ends a number of days after go-live",
            r"go_live \+ datetime\.timedelta\(days=legacy",
            {"cutover/timeline.py"},
        ),
        (
            "still to re-enter: neither re-entered nor voided",
            r"voided_at__isnull.{0,60}re_entered_at__isnull\W+True",
            {"reentry/models.py"},
        ),
        (
            "a linked system is settled: switched off or not applicable",
            r"switched_off_at__isnull=False\) \| models\.Q\(not_applicable_at__isnull=False",
            {"practices/models/systems.py"},
        ),
        ("an NHS number's check digit", r"^\s*(import nhs_number|from nhs_number)|% 11\b", {"reentry/nhs_number.py"}),
        (
            "which fields each kind of re-entry holds",
            r"^(FIELDS_BY_KIND|KIND_FIELDS|IDENTIFYING_FIELDS) = ",
            {"reentry/models.py"},
        ),
        (
            "who may see a practice",
            r"OuterRef\(f\"{via}(icb_id|delivery_partner_id)\"\)",
            {"practices/models/people.py"},
        ),
        ("a date in a sentence", r"%-d %[bB]( %Y)?\}", set()),
    ],
)
def test_a_shared_rule_is_written_only_in_its_home(rule, pattern, home):
    # Equality, not a subset: were the rule renamed in its home, a check that finds nothing would pass.
    assert places(pattern) == home, f"{rule}: written in {sorted(places(pattern))}, its home is {sorted(home)}"
