"""Every URL of the project, requested as every kind of person, against docs/access-matrix.md.

The table in the document is the specification: this test parses it. A URL pattern without a row
fails, so a new view cannot be forgotten. Object URLs are also requested for another practice's
object, which must be a 404 for everyone but superusers.
"""

import datetime
import html
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from dashboard.models import ImportBatch
from practices.invitations import invitation_token
from practices.models import PracticeMembership, ThirdPartyState
from tasks.local import local_item_create
from tasks.services import plan_create_for_migration

from .factories import (
    ContactFactory,
    InvitationFactory,
    MigrationFactory,
    OrganisationMembershipFactory,
    PracticeFactory,
    PracticeMembershipFactory,
    SupplierFactory,
    ThirdPartySystemFactory,
    UserFactory,
    enable_totp,
)
from .reentry.factories import EntryFactory, RegistrationEntryFactory

MATRIX = Path(settings.BASE_DIR) / "docs" / "access-matrix.md"
ROLES = ["manager", "staff", "it_lead", "icb", "partner", "superuser", "outsider", "anonymous"]


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    outcomes: dict[str, str]


def read_matrix() -> dict[tuple[str, str], Row]:
    rows = {}
    for line in MATRIX.read_text().splitlines():
        match = re.match(r"^\| `([^`]+)` \| (GET|POST|PUT|PATCH|DELETE) \|(.+)\|$", line)
        if match:
            cells = [cell.strip() for cell in match.group(3).split("|")]
            assert len(cells) == len(ROLES), f"wrong number of columns in: {line}"
            rows[(match.group(1), match.group(2))] = Row(
                match.group(1), match.group(2), dict(zip(ROLES, cells, strict=True))
            )
    return rows


def url_patterns(resolver=None, namespace=None):
    """(name, pattern) for every URL pattern, with namespaces, as the resolver sees them."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
            yield from url_patterns(pattern, inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and ":".join(filter(None, [namespace, pattern.name]))
            yield name, pattern, namespace


def needs_arguments(name: str) -> bool:
    # The arguments may sit in an include()'s prefix, so ask the resolver rather than the pattern.
    try:
        reverse(name)
    except NoReverseMatch:
        return True
    return False


ROWS = read_matrix()


def matrix_key(name: str) -> str:
    if name.startswith("admin:") and not any(key[0] == name for key in ROWS):
        return "admin:*"
    return name


def test_every_url_pattern_has_a_row_in_the_matrix():
    missing = []
    for name, pattern, namespace in url_patterns():
        if name is None:
            # Only the admin has unnamed catch-all patterns (redirects to the named ones).
            assert namespace == "admin", f"URL pattern {pattern.pattern} needs a name"
            continue
        if not any(key[0] == matrix_key(name) for key in ROWS):
            missing.append(name)
    assert missing == [], f"add these URLs to docs/access-matrix.md: {missing}"


def test_every_row_of_the_matrix_is_a_real_url():
    names = {matrix_key(name) for name, _, _ in url_patterns() if name}
    assert {key[0] for key in ROWS} - names == set()


class World:
    """Two practices under different ICBs, each with a migration, and one person per role."""

    def __init__(self):
        emis, tpp = SupplierFactory(name="EMIS Health"), SupplierFactory(name="TPP")
        self.own_practice = PracticeFactory(name="Own Practice")
        self.other_practice = PracticeFactory(name="Other Practice")
        self.own = self.objects_of(self.own_practice, emis, tpp)
        self.other = self.objects_of(self.other_practice, emis, tpp)
        role = PracticeMembership.Role

        def member(practice, practice_role):
            return PracticeMembershipFactory(practice=practice, role=practice_role).user

        self.users = {
            "manager": member(self.own_practice, role.PRACTICE_MANAGER),
            "staff": member(self.own_practice, role.PRACTICE_STAFF),
            "it_lead": member(self.own_practice, role.IT_LEAD),
            # ICB, partner and admin users must have two-factor authentication set up.
            # The ICB user is also its programme lead (the programme-* and local-task-* rows); the partner is not.
            "icb": enable_totp(
                OrganisationMembershipFactory(organisation=self.own_practice.icb, is_programme_lead=True).user
            ),
            "partner": enable_totp(OrganisationMembershipFactory(organisation=self.own_practice.delivery_partner).user),
            "superuser": enable_totp(UserFactory(is_staff=True, is_superuser=True)),
            "outsider": member(self.other_practice, role.PRACTICE_MANAGER),
            "anonymous": None,
        }

    @staticmethod
    def objects_of(practice, emis, tpp) -> dict:
        # In cutover, so every page has something to show, including the re-entry log.
        today = datetime.date.today()
        migration = MigrationFactory(
            practice=practice,
            current_supplier=emis,
            new_supplier=tpp,
            fdp_date=today - datetime.timedelta(days=3),
            go_live_date=today + datetime.timedelta(days=4),
        )
        return {
            "migration": migration,
            "stakeholder": ContactFactory(migration=migration),
            "system": (system := ThirdPartySystemFactory(practice=practice)),
            "system_state": ThirdPartyState.objects.create(migration=migration, system=system),
            "invitation": InvitationFactory(practice=practice),
            "task": plan_create_for_migration(migration=migration)[0],
            "batch": ImportBatch.objects.create(
                organisation=practice.icb,
                uploaded_by=UserFactory(),
                file_name="wave.csv",
                file_format="csv",
                content=f"ods_code\n{practice.ods_code}\n".encode(),
                content_sha256=practice.ods_code * 10,
            ),
            "local_item": local_item_create(
                organisation=practice.icb,
                by=None,
                title="Run the ICB's data-quality report",
                phase="preparation",
                anchor="fdp",
                offset_days=5,
                direction="before",
            ),
            "entry": EntryFactory(migration=migration),
            "registration": RegistrationEntryFactory(migration=migration),
        }


# How to fill in each URL's arguments for an object of one practice. A URL with arguments and no
# entry here fails the test, so whoever adds a view also says how to reach it.
def migration_kwargs(objects):
    return {"pk": objects["migration"].pk}


def stakeholder_kwargs(objects):
    return {"pk": objects["migration"].pk, "stakeholder_pk": objects["stakeholder"].pk}


def entry_kwargs(objects):
    return {"pk": objects["migration"].pk, "entry_pk": objects["entry"].pk}


def task_kwargs(objects):
    return {"pk": objects["migration"].pk, "task_pk": objects["task"].pk}


def system_kwargs(objects):
    return {"pk": objects["migration"].pk, "system_pk": objects["system"].pk}


KWARGS = {
    "migration-detail": migration_kwargs,
    "migration-edit": migration_kwargs,
    "migration-activity": migration_kwargs,
    "migration-reminders": migration_kwargs,
    "migration-changes": migration_kwargs,
    "migration-lifecycle-dates": migration_kwargs,
    "signoff-data-checking": migration_kwargs,
    "signoff-go-live": migration_kwargs,
    "data-checking-log": migration_kwargs,
    "migration-complete": migration_kwargs,
    "migration-cancel": migration_kwargs,
    "migration-reopen": migration_kwargs,
    "people": migration_kwargs,
    "people-confirm": migration_kwargs,
    "clinical-leads": migration_kwargs,
    "stakeholder-add": migration_kwargs,
    "stakeholder-edit": stakeholder_kwargs,
    "stakeholder-remove": stakeholder_kwargs,
    "invitation-create": migration_kwargs,
    "invitation-accept": lambda objects: {
        "ods_code": objects["invitation"].practice.ods_code,
        "token": invitation_token(objects["invitation"]),
    },
    "systems": migration_kwargs,
    "system-add": migration_kwargs,
    "systems-none": migration_kwargs,
    "system-edit": system_kwargs,
    "system-step": system_kwargs,
    "system-not-applicable": system_kwargs,
    "system-applicable": system_kwargs,
    "plan": migration_kwargs,
    "task-add": migration_kwargs,
    "task-detail": task_kwargs,
    "task-status": task_kwargs,
    "task-note-add": task_kwargs,
    "task-assign": task_kwargs,
    "task-due-edit": task_kwargs,
    "import-detail": lambda objects: {"pk": objects["batch"].pk},
    "import-confirm": lambda objects: {"pk": objects["batch"].pk},
    "reentry-record": migration_kwargs,
    "reentry-paper-form": migration_kwargs,
    "reentry-worklist": migration_kwargs,
    "reentry-bulk-mark": migration_kwargs,
    "reentry-log": migration_kwargs,
    "reentry-export": migration_kwargs,
    "reentry-entry": entry_kwargs,
    "reentry-mark": entry_kwargs,
    "reentry-check": entry_kwargs,
    "reentry-void": entry_kwargs,
}
KWARGS.update(
    {
        # Emailed links whose key is the secret; a wrong key shows a page saying the link is not valid.
        "account_confirm_email": lambda objects: {"key": "not-a-real-key"},
        "account_reset_password_from_key": lambda objects: {"uidb36": "1", "key": "set-password"},
    }
)
# Pages refused to a whole kind of person (only ICB and partner users import waves) before any object
# is looked up: the refusal says nothing about the object, so it is the same for another ICB's batch.
REFUSED_BEFORE_LOOKUP = {"import-detail", "import-confirm"}
# Links that anyone holding them may open (the link itself is the secret): no other-practice check.
NOT_SCOPED_BY_PRACTICE = {"invitation-accept", "account_confirm_email", "account_reset_password_from_key"}


# Reminders: the digest's unsubscribe link, made for an outside contact of the migration.
def unsubscribe_kwargs(objects):
    from reminders.optout import unsubscribe_token  # imported here so this block stays in one piece

    return {"token": unsubscribe_token(objects["stakeholder"].email)}


KWARGS["reminder-unsubscribe"] = unsubscribe_kwargs
NOT_SCOPED_BY_PRACTICE |= {"reminder-unsubscribe"}


# The API: the same objects as the pages. A token belongs to a person, not a practice: the one
# here is the batch uploader's, so it is nobody else's to revoke.
def api_token_kwargs(objects):
    from api.tokens import token_create  # imported here so this block stays in one piece

    return {"pk": token_create(user=objects["batch"].uploaded_by, name="Tracker").token.pk}


KWARGS.update(
    {
        "api-migration-detail": migration_kwargs,
        "api-task-list": migration_kwargs,
        "api-task-detail": task_kwargs,
        "api-task-status": task_kwargs,
        "api-system-list": migration_kwargs,
        "api-system-step": system_kwargs,
        "api-reminder-summary": migration_kwargs,
        "api-reentry-counts": migration_kwargs,
        "api-import-detail": lambda objects: {"pk": objects["batch"].pk},
        "api-token-revoke": api_token_kwargs,
    }
)
REFUSED_BEFORE_LOOKUP |= {"api-import-detail"}
NOT_SCOPED_BY_PRACTICE |= {"api-token-revoke"}


# Calendars: a feed link of the practice manager, for their own calendar (the token is the secret).
def manager_feed(objects):
    from calendars.feeds import feed_token_create

    practice = objects["migration"].practice
    manager = practice.memberships.get(role=PracticeMembership.Role.PRACTICE_MANAGER).user
    return feed_token_create(user=manager, kind="person")


KWARGS["calendar-feed"] = lambda objects: {"token": manager_feed(objects)[1]}
KWARGS["calendar-feed-revoke"] = lambda objects: {"token_pk": manager_feed(objects)[0].pk}
KWARGS["calendar-migration-download"] = migration_kwargs
KWARGS.update(dict.fromkeys(("print-pack", "print-plan", "print-worklist"), migration_kwargs))
NOT_SCOPED_BY_PRACTICE |= {"calendar-feed"}


# Programme leads' own tasks: the practice's ICB's list; only programme leads get past the 403.
def local_item_kwargs(objects):
    return {"organisation_pk": objects["local_item"].organisation_id, "item_pk": objects["local_item"].pk}


KWARGS["local-tasks"] = KWARGS["local-task-add"] = lambda objects: {
    "organisation_pk": objects["migration"].practice.icb_id
}
KWARGS.update(dict.fromkeys(("local-task-edit", "local-task-retire", "local-task-push"), local_item_kwargs))
REFUSED_BEFORE_LOOKUP |= {"local-tasks", "local-task-add", "local-task-edit", "local-task-retire", "local-task-push"}
KWARGS["teams-channel-practice"] = lambda objects: {"practice_pk": objects["migration"].practice_id}
KWARGS["teams-channel-organisation"] = lambda objects: {"organisation_pk": objects["migration"].practice.icb_id}


def admin_kwargs(pattern, world):
    """Arguments for the admin's object pages: the migration itself, or the first object of the model."""
    from django.apps import apps

    kwargs = {}
    for key in pattern.pattern.converters:
        if key == "object_id":
            model = next(
                (m for m in apps.get_models() if pattern.name.startswith(f"{m._meta.app_label}_{m._meta.model_name}_")),
                None,
            )
            # view_on_site names no model: it is asked about the migration (see content_type_id).
            obj = model._default_manager.first() if model else world.own["migration"]
            if obj is None:
                return None  # a model with no rows in the world has no object page to open
            kwargs[key] = str(obj.pk)
        elif key == "id":
            kwargs[key] = str(world.users["manager"].pk)
        elif key == "content_type_id":
            from django.contrib.contenttypes.models import ContentType

            kwargs[key] = str(ContentType.objects.get_for_model(world.own["migration"]).pk)
    return kwargs


def check(response, expected: str, *, where: str):
    allowed = expected.split("/")
    if "signed-out" in allowed:
        # Signing out lands on the sign-in page, which is where it should go.
        assert response.status_code == 302, f"{where}: expected a redirect after signing out"
        return
    status = response.status_code
    if "login" in allowed or "admin-login" in allowed:
        login_url = reverse("admin:login") if "admin-login" in allowed else reverse(settings.LOGIN_URL)
        if status == 302 and response["Location"].startswith(login_url):
            return
    assert str(status) in allowed, f"{where}: expected {expected}, got {status}"
    if status == 302 and "login" not in allowed and "signed-out" not in allowed:
        assert not response["Location"].startswith(reverse(settings.LOGIN_URL)), f"{where}: sent to sign in"


def request(client, method, url):
    return getattr(client, method.lower())(url)


def cases():
    for name, pattern, _namespace in url_patterns():
        if not name:
            continue
        if name.startswith("admin:"):
            # Regex patterns with positional groups (simple-history's) cannot be reversed by name.
            if pattern.pattern.regex.groups and not pattern.pattern.converters and "(?P" not in str(pattern.pattern):
                continue
            yield name, "GET"
            continue
        for (row_name, method), _row in ROWS.items():
            if row_name == name:
                yield name, method


@pytest.mark.django_db
def test_every_url_answers_every_person_as_the_matrix_says(client):
    # One world for all URLs (building it is most of the cost); each person's requests run in a
    # savepoint that is rolled back, so every request starts from the same world.
    world = World()
    problems = []
    for name, method in cases():
        problems += check_url(client, world, name, method)
    assert problems == [], f"{len(problems)} outcomes differ from docs/access-matrix.md:\n" + "\n".join(problems)


def check_url(client, world, name, method) -> list[str]:
    row = ROWS[(matrix_key(name), method)]
    pattern = next(p for n, p, _ in url_patterns() if n == name)
    has_args = needs_arguments(name)
    if name.startswith("admin:"):
        kwargs = admin_kwargs(pattern, world)
        if kwargs is None:
            return []
        targets = {"own": kwargs}
        if name == "admin:app_list":
            targets = {"own": {"app_label": "cutover"}}
    elif has_args:
        if name not in KWARGS:
            return [f"say in KWARGS how to build the arguments of {name}"]
        targets = {"own": KWARGS[name](world.own)}
        if name not in NOT_SCOPED_BY_PRACTICE:
            targets["other"] = KWARGS[name](world.other)
    else:
        targets = {"own": {}}
    problems = []
    for role in ROLES:
        with transaction.atomic():
            client.logout()
            if world.users[role]:
                client.force_login(world.users[role])
            problems += check_role(client, name, method, row, role, targets)
            transaction.set_rollback(True)
    return problems


def check_role(client, name, method, row, role, targets) -> list[str]:
    problems = []
    for target, kwargs in targets.items():
        url = reverse(name, kwargs=kwargs)
        expected = row.outcomes[role]
        if role == "outsider" and target == "other":
            # The other practice is the outsider's own: they get what its manager gets.
            expected = row.outcomes["manager"]
        elif (
            target == "other"
            and role not in ("superuser", "anonymous")
            and expected != "405"
            and not (name in REFUSED_BEFORE_LOOKUP and expected == "403")
        ):
            expected = "404"
        try:
            check(request(client, method, url), expected, where=f"{method} {url} as {role} ({target} practice)")
        except AssertionError as problem:
            problems.append(str(problem).splitlines()[0])
    return problems


def identifiers(world) -> list[str]:
    entry, registration = world.own["entry"], world.own["registration"]
    number = entry.nhs_number
    dob = registration.patient_date_of_birth
    return [
        number,
        f"{number[:3]} {number[3:6]} {number[6:]}",
        registration.patient_name,
        dob.isoformat(),
        dob.strftime("%d/%m/%Y"),
        f"{dob.day} {dob:%b %Y}",
        registration.patient_address.splitlines()[0],
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["icb", "partner"])
def test_icb_and_partner_users_never_receive_patient_identifiers(client, role):
    """Every page and export they can open, searched for the test patients' identifiers."""
    world = World()
    client.force_login(world.users[role])
    secrets = identifiers(world)
    opened = 0
    for name, _pattern, _namespace in url_patterns():
        if not name or name.startswith("admin:") or (matrix_key(name), "GET") not in ROWS:
            continue
        kwargs = KWARGS[name](world.own) if needs_arguments(name) else {}
        response = client.get(reverse(name, kwargs=kwargs), follow=True)
        if response.status_code != 200:
            continue
        opened += 1
        body = b"".join(response.streaming_content) if response.streaming else response.content
        # Unescaped: a name like O'Donnell is on the page as O&#x27;Donnell.
        text = html.unescape(body.decode("utf-8", errors="replace"))
        leaked = [secret for secret in secrets if secret in text]
        assert leaked == [], f"{name} showed {role} user patient identifiers"
    assert opened >= 5, "the sweep should open the pages these users can see"


@pytest.mark.django_db
def test_the_identifier_sweep_would_notice_a_leak(client):
    """The same identifiers are visible to practice staff, so the sweep above is looking for the right text."""
    world = World()
    client.force_login(world.users["staff"])
    kwargs = KWARGS["reentry-log"](world.own)
    text = html.unescape(client.get(reverse("reentry-log", kwargs=kwargs)).content.decode())
    assert any(number in text for number in identifiers(world)[:2])
    assert world.own["registration"].patient_name in text
