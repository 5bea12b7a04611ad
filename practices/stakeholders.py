"""Who is involved in a migration: suggestions, changes, gaps, and the person a role points to.

Views, the plan and the reminders call these functions; none of them touches the ORM directly.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, models, transaction
from django.db.models.deletion import ProtectedError
from django.db.models.functions import Lower
from django.utils import timezone

from .models import (
    Organisation,
    OrganisationMembership,
    PracticeMembership,
    Stakeholder,
    StakeholderConfirmation,
    StakeholderRole,
    ThirdPartySystem,
    User,
)

# A practice membership role has the same name as the stakeholder role it suggests.
MEMBERSHIP_TO_STAKEHOLDER_ROLE = {
    PracticeMembership.Role.PRACTICE_MANAGER: StakeholderRole.PRACTICE_MANAGER,
    PracticeMembership.Role.PRACTICE_STAFF: StakeholderRole.PRACTICE_STAFF,
    PracticeMembership.Role.IT_LEAD: StakeholderRole.IT_LEAD,
}

CONTACT_FIELDS = ["name", "organisation_name", "organisation_ods_code", "job_title", "email", "phone"]


class DuplicateStakeholder(Exception):
    """The same person or contact is already recorded in this role."""

    def __init__(self, existing: Stakeholder):
        self.existing = existing
        super().__init__(
            f"{existing.display_name} is already recorded as {role_label_lower(existing.role)}. "
            "Change that entry instead of adding another."
        )


class StakeholderInUse(Exception):
    """Something still open points at the stakeholder (for example open tasks assigned to them).

    `blocking` lists those records so the page can ask what to do with them.
    """

    def __init__(self, blocking: Iterable[models.Model]):
        self.blocking = list(blocking)
        super().__init__(
            "This person still has work assigned in this migration. Reassign or unassign it before removing them."
        )


def role_label_lower(role: str) -> str:
    """ "IT delivery partner" stays as it is; "Pathology lab provider" becomes "pathology lab provider"."""
    label = str(StakeholderRole(role).label)
    return label if label[:2].isupper() else label[0].lower() + label[1:]


def gap_message(role: str) -> str:
    return f"No {role_label_lower(role)} recorded"


# Reading -----------------------------------------------------------------------------------------


def stakeholders_of(migration) -> models.QuerySet[Stakeholder]:
    """The people still involved in the migration (removed ones left out)."""
    return migration.stakeholders.current().select_related("user", "organisation")


# Who a role's task goes to first: people who sign in come before outside contacts (they can
# tick the task off themselves), then whoever was recorded first.
DEFAULT_OWNER_ORDER = (models.F("user").asc(nulls_last=True), "created_at", "pk")


def stakeholder_for_role(migration, role: str) -> Stakeholder | None:
    """The stakeholder a task owned by `role` goes to by default (see DEFAULT_OWNER_ORDER)."""
    return stakeholders_of(migration).filter(role=role).order_by(*DEFAULT_OWNER_ORDER).first()


def stakeholders_by_role(migration) -> dict[str, list[Stakeholder]]:
    """Every current stakeholder by role, each list in DEFAULT_OWNER_ORDER, in one query.

    The first of a role's list is what `stakeholder_for_role` returns; pages that need
    the default owner of many roles at once read it from here instead.
    """
    grouped: dict[str, list[Stakeholder]] = {}
    for stakeholder in stakeholders_of(migration).order_by(*DEFAULT_OWNER_ORDER):
        grouped.setdefault(stakeholder.role, []).append(stakeholder)
    return grouped


@dataclass(frozen=True)
class Workload:
    """What one stakeholder has to do in a migration. Filled in by the plan (tasks app).

    `tasks` are their open tasks, soonest first, each with `.overdue` set.
    """

    assigned: int
    overdue: int
    tasks: tuple = ()


WorkloadFunction = Callable[[object, list[Stakeholder]], dict[int, Workload]]


@dataclass
class RoleGroup:
    role: str
    label: str
    stakeholders: list[Stakeholder] = field(default_factory=list)

    @property
    def gap(self) -> str:
        return "" if self.stakeholders else gap_message(self.role)


@dataclass
class Involvement:
    groups: list[RoleGroup]
    with_workload: bool

    @property
    def gaps(self) -> list[str]:
        return [group.gap for group in self.groups if group.gap]


def who_is_involved(migration, *, workload: WorkloadFunction | None = None) -> Involvement:
    """Everyone by role, in the guidance's order, with empty roles left in to show the gaps.

    `workload(migration, stakeholders)` returns {stakeholder pk: Workload}. The plan passes
    it once tasks can be assigned; each stakeholder then carries `.workload` and the page
    shows what they are assigned and what is overdue.
    """
    groups = {role: RoleGroup(role=role, label=label) for role, label in StakeholderRole.choices}
    people = list(stakeholders_of(migration).order_by("role", Lower("name"), "pk"))
    loads = workload(migration, people) if workload else {}
    for person in people:
        person.workload = loads.get(person.pk)
        groups[person.role].stakeholders.append(person)
    return Involvement(groups=list(groups.values()), with_workload=workload is not None)


def stakeholder_gaps(migration) -> list[str]:
    filled = set(migration.stakeholders.current().values_list("role", flat=True).distinct())
    return [gap_message(role) for role in StakeholderRole.values if role not in filled]


def stakeholders_confirmed(migration) -> bool:
    return StakeholderConfirmation.objects.filter(migration=migration).exists()


def stakeholder_find_duplicate(
    *,
    migration,
    role: str,
    user: User | None = None,
    name: str = "",
    email: str = "",
    organisation: Organisation | None = None,
    organisation_name: str = "",
    exclude_pk: int | None = None,
) -> Stakeholder | None:
    """The existing entry for the same person or contact in the same role, if any."""
    candidates = stakeholders_of(migration).filter(role=role).exclude(pk=exclude_pk)
    return _find_same(
        candidates,
        role=role,
        user=user,
        name=name,
        email=email,
        organisation=organisation,
        organisation_name=organisation_name,
    )


def _find_same(
    candidates: Iterable[Stakeholder],
    *,
    role: str,
    user: User | None,
    name: str,
    email: str,
    organisation: Organisation | None,
    organisation_name: str,
) -> Stakeholder | None:
    """Outside contacts match on email, or on name within the same organisation: a second
    "Pat Lee at City Pathology" without an email is almost always the same Pat Lee."""
    org_id = organisation.pk if organisation else None
    for other in candidates:
        if other.role != role:
            continue
        if user is not None or other.user_id is not None:
            if user is not None and other.user_id == user.pk:
                return other
            continue
        if email and other.email.lower() == email.lower():
            return other
        if name:
            if (
                other.name.lower() == name.lower()
                and other.organisation_id == org_id
                and other.organisation_name.lower() == organisation_name.lower()
            ):
                return other
        elif org_id is not None and other.organisation_id == org_id and not other.name and not other.email:
            return other
    return None


# Suggestions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A stakeholder worked out from what is already known, for the manager to confirm."""

    key: str
    role: str
    reason: str
    user: User | None = None
    organisation: Organisation | None = None
    name: str = ""
    organisation_name: str = ""
    job_title: str = ""
    email: str = ""
    phone: str = ""

    @property
    def display_name(self) -> str:
        if self.user is not None:
            return str(self.user)
        return self.name or (self.organisation.name if self.organisation else self.organisation_name)

    @property
    def role_label(self) -> str:
        return str(StakeholderRole(self.role).label)


def stakeholders_suggest(migration) -> list[Suggestion]:
    """Who is probably involved: the practice's members by their role, its ICB and delivery
    partner (their people, or the organisation itself when nobody from it uses the app),
    the two suppliers, and the contacts of the practice's third-party systems.

    Anyone already recorded in that role is left out, so confirming twice adds nothing.
    """
    practice = migration.practice
    suggestions: list[Suggestion] = []
    for membership in PracticeMembership.objects.filter(practice=practice, user__is_active=True).select_related("user"):
        suggestions.append(
            Suggestion(
                key=f"user:{membership.user_id}:{membership.role}",
                role=MEMBERSHIP_TO_STAKEHOLDER_ROLE[membership.role],
                user=membership.user,
                reason=f"{membership.get_role_display()} at {practice.name}",
            )
        )
    organisations = [(practice.icb, StakeholderRole.ICB), (practice.delivery_partner, StakeholderRole.DELIVERY_PARTNER)]
    members_by_org: dict[int, list[OrganisationMembership]] = {}
    org_ids = [org.pk for org, _ in organisations if org is not None]
    for membership in OrganisationMembership.objects.filter(
        organisation_id__in=org_ids, user__is_active=True
    ).select_related("user"):
        members_by_org.setdefault(membership.organisation_id, []).append(membership)
    for org, role in organisations:
        if org is None:
            continue
        members = members_by_org.get(org.pk, [])
        for membership in members:
            suggestions.append(
                Suggestion(
                    key=f"user:{membership.user_id}:{role}",
                    role=role,
                    user=membership.user,
                    organisation=org,
                    reason=f"Works for {org.name}",
                )
            )
        if not members:
            suggestions.append(
                Suggestion(key=f"org:{org.pk}:{role}", role=role, organisation=org, reason="The practice's " + org.name)
            )
    for org, role in [
        (migration.current_supplier, StakeholderRole.CURRENT_SUPPLIER),
        (migration.new_supplier, StakeholderRole.NEW_SUPPLIER),
    ]:
        suggestions.append(
            Suggestion(
                key=f"org:{org.pk}:{role}",
                role=role,
                organisation=org,
                reason=f"Supplies {_system_of(migration, role)}",
            )
        )
    for system in ThirdPartySystem.objects.filter(practice=practice).exclude(contact_name="", supplier_name=""):
        role = (
            StakeholderRole.PATHOLOGY_LAB
            if system.category == ThirdPartySystem.Category.PATHOLOGY_LINK
            else StakeholderRole.THIRD_PARTY_SUPPLIER
        )
        suggestions.append(
            Suggestion(
                key=f"system:{system.pk}",
                role=role,
                name=system.contact_name,
                organisation_name=system.supplier_name,
                job_title=f"Contact for {system.name}",
                email=system.contact_email,
                phone=system.contact_phone,
                reason=f"Supplier contact for {system.name}",
            )
        )
    recorded = list(migration.stakeholders.current())
    return [s for s in suggestions if not _already_recorded(recorded, s)]


def _system_of(migration, role: str) -> str:
    return migration.current_system if role == StakeholderRole.CURRENT_SUPPLIER else migration.new_system


def _already_recorded(recorded: Iterable[Stakeholder], suggestion: Suggestion) -> bool:
    return (
        _find_same(
            recorded,
            role=suggestion.role,
            user=suggestion.user,
            name=suggestion.name,
            email=suggestion.email,
            organisation=None if suggestion.user else suggestion.organisation,
            organisation_name=suggestion.organisation_name,
        )
        is not None
    )


@transaction.atomic
def stakeholders_confirm(*, migration, chosen: Iterable[Suggestion], by) -> list[Stakeholder]:
    """Record the suggestions the manager kept, and that the people have been confirmed."""
    created: list[Stakeholder] = []
    recorded = list(migration.stakeholders.current())
    for suggestion in chosen:
        if _already_recorded([*recorded, *created], suggestion):
            continue
        created.append(
            stakeholder_create(
                migration=migration,
                role=suggestion.role,
                user=suggestion.user,
                organisation=suggestion.organisation,
                name=suggestion.name,
                organisation_name=suggestion.organisation_name,
                job_title=suggestion.job_title,
                email=suggestion.email,
                phone=suggestion.phone,
                by=by,
            )
        )
    StakeholderConfirmation.objects.get_or_create(migration=migration, defaults={"confirmed_by": by})
    return created


# Changes -----------------------------------------------------------------------------------------


def stakeholder_build(
    *,
    migration,
    role: str,
    by,
    user: User | None = None,
    organisation: Organisation | None = None,
    name: str = "",
    organisation_name: str = "",
    organisation_ods_code: str = "",
    job_title: str = "",
    email: str = "",
    phone: str = "",
) -> Stakeholder:
    """The unsaved stakeholder ``stakeholder_create`` saves (a wave saves many in bulk): a user is
    named by their account, anyone else by what was typed."""
    stakeholder = Stakeholder(
        migration=migration,
        role=role,
        user=user,
        organisation=organisation,
        name="" if user else name,
        organisation_name="" if user else organisation_name,
        organisation_ods_code="" if user else organisation_ods_code.upper(),
        job_title=job_title,
        email="" if user else email.strip().lower(),
        phone=phone,
        created_by=by,
    )
    stakeholder._history_user = by
    return stakeholder


def stakeholder_create(
    *,
    migration,
    role: str,
    by,
    user: User | None = None,
    organisation: Organisation | None = None,
    name: str = "",
    organisation_name: str = "",
    organisation_ods_code: str = "",
    job_title: str = "",
    email: str = "",
    phone: str = "",
) -> Stakeholder:
    """Add someone to a migration. Raises DuplicateStakeholder if they are already there in that role."""
    email = email.strip().lower()
    existing = stakeholder_find_duplicate(
        migration=migration,
        role=role,
        user=user,
        name=name,
        email=email,
        organisation=organisation,
        organisation_name=organisation_name,
    )
    if existing:
        raise DuplicateStakeholder(existing)
    stakeholder = stakeholder_build(
        migration=migration,
        role=role,
        by=by,
        user=user,
        organisation=organisation,
        name=name,
        organisation_name=organisation_name,
        organisation_ods_code=organisation_ods_code,
        job_title=job_title,
        email=email,
        phone=phone,
    )
    try:
        # The savepoint keeps an outer transaction usable after losing a race to a twin request.
        with transaction.atomic():
            stakeholder.save()
    except IntegrityError:
        existing = stakeholder_find_duplicate(
            migration=migration, role=role, user=user, email=email, organisation=organisation, name=name
        )
        if existing:
            raise DuplicateStakeholder(existing) from None
        raise
    return stakeholder


def stakeholder_update(*, stakeholder: Stakeholder, by, **changes) -> Stakeholder:
    """Change a stakeholder's role or contact details. A user's name and email stay their account's."""
    if stakeholder.is_user:
        changes = {k: v for k, v in changes.items() if k not in CONTACT_FIELDS or k in ("job_title", "phone")}
    if "email" in changes:
        changes["email"] = changes["email"].strip().lower()
    if "organisation_ods_code" in changes:
        changes["organisation_ods_code"] = changes["organisation_ods_code"].upper()
    merged = {f: getattr(stakeholder, f) for f in ["role", "name", "email", "organisation_name"]} | changes
    existing = stakeholder_find_duplicate(
        migration=stakeholder.migration,
        role=merged["role"],
        user=stakeholder.user,
        name=merged["name"],
        email=merged["email"],
        organisation=stakeholder.organisation,
        organisation_name=merged["organisation_name"],
        exclude_pk=stakeholder.pk,
    )
    if existing:
        raise DuplicateStakeholder(existing)
    for name, value in changes.items():
        setattr(stakeholder, name, value)
    stakeholder._history_user = by
    stakeholder.save()
    return stakeholder


def stakeholder_remove(*, stakeholder: Stakeholder, by) -> bool:
    """Take someone off a migration. Returns True if the row was deleted, False if it was kept as removed.

    Anything that must not be orphaned points at Stakeholder with on_delete=PROTECT
    (the plan's task assignments do), so the database itself refuses the delete. What
    happens next depends on the records in the way, which say whether they are still
    open (`is_open`, as Task does; anything that does not say counts as open):
    - any open one: StakeholderInUse carries them, so the page can ask whether to
      reassign or unassign them first; nothing is removed silently;
    - only closed ones (done or not-applicable tasks): those keep the contact who held
      them, so the row stays, marked removed, and leaves every list of current people.
    """
    stakeholder._history_user = by
    try:
        with transaction.atomic():
            stakeholder.delete()
    except ProtectedError as exc:
        still_open = [record for record in exc.protected_objects if getattr(record, "is_open", True)]
        if still_open:
            raise StakeholderInUse(still_open) from None
        stakeholder.removed_at = timezone.now()
        stakeholder._history_user = by
        stakeholder.save(update_fields=["removed_at"])
        return False
    return True
