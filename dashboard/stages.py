"""A migration's stage (planning, preparation, cutover, after go-live, closed), worked out by the database.

`stage_rank()` is Migration.stage() as SQL, so the dashboard can filter, sort and count by stage;
`stage_explanation()` says the same rules in words for "How is this worked out?".
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, IntegerField, Q, Value, When

from cutover.models import Migration
from cutover.timeline import earliest_fdp_still_planning


@dataclass(frozen=True)
class Stage:
    rank: int  # lifecycle order, which is also the sort order
    key: str  # the value in the URL
    name: str  # what Migration.stage() returns

    @property
    def label(self) -> str:
        return self.name[0].upper() + self.name[1:]


STAGES = (
    Stage(0, "planning", "planning"),
    Stage(1, "preparation", "preparation"),
    Stage(2, "cutover", "cutover"),
    Stage(3, "after-go-live", "after go-live"),
    Stage(4, "closed", "closed"),
)
STAGE_BY_KEY = {stage.key: stage for stage in STAGES}
STAGE_BY_RANK = {stage.rank: stage for stage in STAGES}


def stage_rank(today: datetime.date) -> Case:
    """Migration.stage() as a database expression, so stages can be filtered, sorted and counted.

    The branches follow Migration.stage() one for one; a test compares the two over every
    boundary day.
    """
    return Case(
        When(~Q(status=Migration.Status.ACTIVE), then=Value(4)),
        When(Q(planning_meeting_date__isnull=True, fdp_date__gte=earliest_fdp_still_planning(today)), then=Value(0)),
        When(fdp_date__gt=today, then=Value(1)),
        When(go_live_date__gt=today, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


def stage_explanation() -> str:
    """The stage rules in words, from the same setting stage_rank() uses."""
    return (
        "Planning until a planning meeting is recorded or its deadline comes (the last working day "
        f"{settings.PLANNING_MEETING_DAYS_BEFORE_FDP} days or more before FDP); preparation until FDP; "
        "cutover from FDP until go-live; after go-live from then on. "
        "A completed or cancelled migration is closed."
    )
