"""Who is the practice's clinical lead: the members who may sign off the data checking (go or no-go).

A practice may mark one or more. The sign-off needs someone holding the clinical lead role, not one
named person: a practice with a GP partner and a deputy keeps a sign-off from waiting on one person's
leave, and every sign-off still records who gave it. It may not mark nobody: without a clinical lead
the data checking cannot be signed off and FDP could not go ahead.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Practice, PracticeMembership

NOBODY = "Choose at least one clinical lead: without one, nobody can sign off the data checking."


def clinical_leads_of(practice: Practice):
    """The practice's clinical leads who can still sign in, by name."""
    return (
        PracticeMembership.objects.filter(practice=practice, is_clinical_lead=True, user__is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )


def practice_clinical_leads_set(
    *, practice: Practice, members: Iterable[PracticeMembership], by
) -> list[PracticeMembership]:
    """Make exactly `members` (memberships of `practice`) its clinical leads; returns those changed.

    Each change is kept in the membership's history with who made it. Members of another practice
    are refused: a manager marks the clinical lead of their own practice only.
    """
    chosen = {membership.pk for membership in members}
    if not chosen:
        raise ValidationError({"leads": NOBODY})
    changed = []
    with transaction.atomic():
        memberships = list(PracticeMembership.objects.select_for_update().filter(practice=practice))
        if not chosen <= {membership.pk for membership in memberships}:
            raise ValidationError({"leads": "Choose members of this practice."})
        for membership in memberships:
            wanted = membership.pk in chosen
            if membership.is_clinical_lead == wanted:
                continue
            membership.is_clinical_lead = wanted
            membership._history_user = by
            membership._change_reason = "Marked as clinical lead" if wanted else "No longer clinical lead"
            membership.save(update_fields=["is_clinical_lead"])
            changed.append(membership)
    return changed
