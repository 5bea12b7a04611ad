"""The people and third-party section of the migration page (templates/practices/_migration_panel.html)."""

import datetime

from django.db.models import Count, Exists, OuterRef, Subquery

from practices.models import Stakeholder, StakeholderConfirmation, StakeholderRole
from systems.third_party import Step, step_progress, third_party_states, third_party_warnings


def people_panel(migration, *, today: datetime.date, states: list | None = None) -> dict:
    """Context for the migration page, in two queries whatever the number of people or systems
    (one when given the migration's third-party states)."""
    people = (
        Stakeholder.objects.current()
        .filter(migration=migration)
        .values("migration")
        .annotate(count=Count("pk"), roles=Count("role", distinct=True))
    )
    counts = (
        type(migration)
        .objects.filter(pk=migration.pk)
        .annotate(
            confirmed=Exists(StakeholderConfirmation.objects.filter(migration=OuterRef("pk"))),
            people=Subquery(people.values("count")),
            roles=Subquery(people.values("roles")),
        )
        .values("confirmed", "people", "roles")
        .get()
    )
    if states is None:
        states = third_party_states(migration)
    return {
        "people_panel": {
            "confirmed": counts["confirmed"],
            "count": counts["people"] or 0,
            "gap_count": len(StakeholderRole.values) - (counts["roles"] or 0),
            "switched_off": step_progress(states, Step.SWITCHED_OFF),
            "back_on": step_progress(states, Step.BACK_ON),
            "warnings": third_party_warnings(migration, today=today, states=states),
        }
    }
