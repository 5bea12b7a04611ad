"""Who a reminder may go to: ``Recipient``, and ``people_load``, which loads everyone a sweep may
need (members, stakeholders, third-party contacts, the re-entry backlog) in one UNION query."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, CharField, Count, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Coalesce

from cutover.models import Migration
from practices.models import (
    OrganisationMembership,
    PracticeMembership,
    Stakeholder,
    StakeholderRole,
    ThirdPartyState,
    ThirdPartySystem,
)
from reentry.models import Entry

Role = PracticeMembership.Role


@dataclass(frozen=True)
class Recipient:
    """Someone a reminder goes to: a user, or an outside contact (supplier staff) with no user."""

    email: str
    name: str = ""
    user_id: int | None = None
    role: str = ""  # a PracticeMembership or stakeholder role, or an organisation kind: chooses the wording
    outside: bool = False  # not one of our users: no links into the app, and digests carry an unsubscribe link
    invited: bool = False  # a practice manager invited to join: the email says how to get in first
    organisation: str = ""  # outside contacts: whom they work for, for the page and the wording

    @property
    def label(self) -> str:
        """How the page and other emails name them: "Jo Bloggs (Leeds ICB)"."""
        who = self.name or self.email
        return f"{who} ({self.organisation})" if self.organisation else who


def normalise_email(address: str) -> str:
    return address.strip().lower()


@dataclass(frozen=True)
class LinkedSystem:
    """A third-party system whose links are not yet confirmed off for a migration (nor marked N/A)."""

    pk: int
    name: str
    contact: Recipient | None  # None: no contact email recorded, so only the manager hears of it

    def __str__(self):
        return self.name


@dataclass
class People:
    """Everyone a reminder about these migrations may go to, and the two facts that decide whether
    some go at all: third-party systems still on, entries still to re-enter.

    Loaded once per sweep by ``people_load`` in one query, whatever the number of migrations.
    """

    by_practice: dict[int, dict[str, list[Recipient]]] = field(default_factory=dict)
    by_organisation: dict[int, list[Recipient]] = field(default_factory=dict)
    by_migration: dict[int, dict[str, list[Recipient]]] = field(default_factory=dict)  # named stakeholders
    systems: dict[int, list[LinkedSystem]] = field(default_factory=dict)  # by practice
    backlog: dict[int, int] = field(default_factory=dict)  # by migration: entries still to re-enter
    clinical_leads: dict[int, list[Recipient]] = field(default_factory=dict)  # by practice
    # of_practice's answers: every rule asks it for every migration of a sweep, often the same question.
    _asked: dict[tuple, tuple[Recipient, ...]] = field(default_factory=dict, repr=False, compare=False)

    def of_practice(self, practice_id: int, *roles: str) -> tuple[Recipient, ...]:
        key = (practice_id, roles)
        if key not in self._asked:
            members = self.by_practice.get(practice_id, {})
            self._asked[key] = tuple(person for role in roles for person in members.get(role, []))
        return self._asked[key]

    def of_organisations(self, *organisation_ids: int | None) -> tuple[Recipient, ...]:
        return tuple(person for org_id in organisation_ids if org_id for person in self.by_organisation.get(org_id, []))

    def stakeholders(self, migration_id: int, role: str) -> tuple[Recipient, ...]:
        return tuple(self.by_migration.get(migration_id, {}).get(role, []))

    def managers(self, migration: Migration) -> tuple[Recipient, ...]:
        """The practice's managers; before any has joined, the manager invited for this migration."""
        return self.of_practice(migration.practice_id, Role.PRACTICE_MANAGER) or self.stakeholders(
            migration.pk, StakeholderRole.PRACTICE_MANAGER
        )

    def clinical_leads_of(self, migration: Migration) -> tuple[Recipient, ...]:
        """The members marked as the practice's clinical lead: they sign off the data checking."""
        return tuple(self.clinical_leads.get(migration.practice_id, []))

    def overseers(self, migration: Migration) -> tuple[Recipient, ...]:
        """Who hears when the practice needs help: for the ICB and for the delivery partner, the
        people named as that stakeholder of the migration, or if nobody is named, everyone of
        that organisation (so an escalation never goes to nobody)."""
        practice = migration.practice
        found: list[Recipient] = []
        for role, organisation_id in (
            (StakeholderRole.ICB, practice.icb_id),
            (StakeholderRole.DELIVERY_PARTNER, practice.delivery_partner_id),
        ):
            found += self.stakeholders(migration.pk, role) or self.of_organisations(organisation_id)
        return unique_people(found)


def unique_people(people: Iterable[Recipient]) -> tuple[Recipient, ...]:
    """One entry per address, the first one kept: the same person may be reached two ways."""
    seen: dict[str, Recipient] = {}
    for person in people:
        seen.setdefault(person.email, person)
    return tuple(seen.values())


# How far before FDP the sweep looks for third-party systems: beyond the lead time in working days
# plus any weekends and bank holidays in between (Christmas and Easter add four).
THIRD_PARTY_LOOKAHEAD_DAYS = 31


def people_load(migrations, *, due_on: datetime.date | None = None) -> People:
    """Everyone a reminder about these migrations may go to, in one query (a UNION ALL):

    - practice members (and which of them are the clinical lead), and the members of the practices'
      ICBs and delivery partners;
    - the ICB and delivery partner stakeholders named on migrations without a planning meeting;
    - the third-party systems not yet confirmed off (nor marked N/A), with their supplier contacts;
    - how many entries each migration still has to re-enter.

    ``due_on`` (the sweep and the sender) leaves out what cannot be due that day; without it (the
    migration page) everything is loaded, for the reminders still to come.
    """
    # PostgreSQL types a UNION's columns pair by pair, left to right: two bare NULLs become text and
    # then clash with a count, so the empty number is cast.
    number = Cast(Value(None), output_field=BigIntegerField())
    text = Value("", output_field=CharField())

    def source(name: str) -> Value:
        return Value(name, output_field=CharField())

    person = ("user_id", "user__email", "user__first_name", "user__last_name")
    in_practices = (
        PracticeMembership.objects.filter(practice_id__in=migrations.values("practice_id"), user__is_active=True)
        .order_by()
        .values_list(source("member"), "practice_id", number, "role", *person, text, number)
    )
    clinical_leads = (
        PracticeMembership.objects.filter(
            practice_id__in=migrations.values("practice_id"), user__is_active=True, is_clinical_lead=True
        )
        .order_by()
        .values_list(source("clinical_lead"), "practice_id", number, "role", *person, text, number)
    )
    in_organisations = (
        OrganisationMembership.objects.filter(
            Q(organisation_id__in=migrations.values("practice__icb_id"))
            | Q(organisation_id__in=migrations.values("practice__delivery_partner_id")),
            user__is_active=True,
        )
        .order_by()
        .values_list(source("organisation"), number, "organisation_id", "organisation__kind", *person, text, number)
    )
    escalating = migrations.filter(planning_meeting_date__isnull=True)
    switching, re_entering = migrations, migrations
    if due_on is not None:
        escalating = escalating.filter(fdp_date__gt=due_on)
        switching = migrations.filter(
            fdp_date__gt=due_on, fdp_date__lte=due_on + datetime.timedelta(days=THIRD_PARTY_LOOKAHEAD_DAYS)
        )
        re_entering = migrations.filter(go_live_date__lte=due_on)
    reachable = (Q(user__isnull=True) & ~Q(email="")) | Q(user__is_active=True)
    overseers = Q(migration__in=escalating, role__in=[StakeholderRole.ICB, StakeholderRole.DELIVERY_PARTNER])
    # A practice manager named by a wave import is a contact until they accept the invitation; until
    # then the manager's reminders go to them rather than to nobody.
    invited_managers = Q(migration__in=migrations, role=StakeholderRole.PRACTICE_MANAGER, user__isnull=True)
    stakeholders = (
        Stakeholder.objects.current()
        .filter(reachable, overseers | invited_managers)
        .order_by()
        .values_list(
            source("stakeholder"),
            number,
            "migration_id",
            "role",
            "user_id",
            Coalesce("user__email", "email"),
            Coalesce("user__first_name", "name"),
            Coalesce("user__last_name", text),
            Coalesce("organisation__name", "organisation_name"),
            number,
        )
    )
    settled = ThirdPartyState.objects.settled().filter(system=OuterRef("pk"), migration__in=switching)
    systems = (
        ThirdPartySystem.objects.filter(practice_id__in=switching.values("practice_id"))
        .exclude(Exists(settled))
        .order_by()
        .values_list(
            source("system"),
            "practice_id",
            "pk",
            "name",
            number,
            "contact_email",
            "contact_name",
            text,
            "supplier_name",
            number,
        )
    )
    backlog = (
        Entry.objects.filter(migration__in=re_entering)
        .to_re_enter()
        .order_by()
        .values("migration_id")
        .annotate(left=Count("pk"))
        .values_list(source("backlog"), number, "migration_id", text, number, text, text, text, text, "left")
    )
    people = People()
    rows = in_practices.union(clinical_leads, in_organisations, stakeholders, systems, backlog, all=True)
    # Sorted by address, then name, so everyone is listed in the same order on every run.
    for row in sorted(rows, key=lambda row: (row[5] or "", row[6] or "", row[2] or 0)):
        _people_add(people, *row)
    for systems_of_practice in people.systems.values():
        systems_of_practice.sort(key=lambda system: (system.name.lower(), system.pk))
    return people


def _people_add(people: People, source, practice_id, ref_id, role, user_id, email, first, last, label, left) -> None:
    email = normalise_email(email or "")
    name = f"{first or ''} {last or ''}".strip()
    if source == "member":
        recipient = Recipient(email=email, name=name, user_id=user_id, role=role)
        people.by_practice.setdefault(practice_id, {}).setdefault(role, []).append(recipient)
    elif source == "clinical_lead":
        recipient = Recipient(email=email, name=name, user_id=user_id, role=role)
        people.clinical_leads.setdefault(practice_id, []).append(recipient)
    elif source == "organisation":
        recipient = Recipient(email=email, name=name, user_id=user_id, role=role)
        people.by_organisation.setdefault(ref_id, []).append(recipient)
    elif source == "stakeholder":
        if role == StakeholderRole.PRACTICE_MANAGER:
            recipient = Recipient(email=email, name=name, role=role, invited=True)
        else:
            recipient = Recipient(
                email=email, name=name, user_id=user_id, role=role, outside=user_id is None, organisation=label or ""
            )
        people.by_migration.setdefault(ref_id, {}).setdefault(role, []).append(recipient)
    elif source == "system":
        contact = None
        if email:
            contact = Recipient(
                email=email,
                name=name,
                role=StakeholderRole.THIRD_PARTY_SUPPLIER,
                outside=True,
                organisation=label or "",
            )
        people.systems.setdefault(practice_id, []).append(LinkedSystem(pk=ref_id, name=role, contact=contact))
    elif source == "backlog":
        people.backlog[ref_id] = left
