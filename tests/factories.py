import datetime
import zoneinfo

import factory
from factory.django import DjangoModelFactory

from cutover.models import Migration
from cutover.workdays import working_day_on_or_after
from practices.models import (
    Invitation,
    Organisation,
    OrganisationMembership,
    Practice,
    PracticeMembership,
    Stakeholder,
    StakeholderRole,
    ThirdPartySystem,
    User,
)

PASSWORD = "a-long-test-password-1"

LONDON = zoneinfo.ZoneInfo("Europe/London")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.ICB


class IcbFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"NHS Test ICB {n}")
    kind = Organisation.Kind.ICB


class DeliveryPartnerFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Test CSU {n}")
    kind = Organisation.Kind.DELIVERY_PARTNER


class SupplierFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Supplier {n}")
    kind = Organisation.Kind.SUPPLIER


class PracticeFactory(DjangoModelFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Practice {n}")
    ods_code = factory.Sequence(lambda n: f"A{10000 + n:05d}")
    icb = factory.SubFactory(IcbFactory)
    delivery_partner = factory.SubFactory(DeliveryPartnerFactory)
    dispensing = False


class PracticeMembershipFactory(DjangoModelFactory):
    class Meta:
        model = PracticeMembership

    user = factory.SubFactory(UserFactory)
    practice = factory.SubFactory(PracticeFactory)
    role = PracticeMembership.Role.PRACTICE_STAFF


class OrganisationMembershipFactory(DjangoModelFactory):
    class Meta:
        model = OrganisationMembership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(IcbFactory)


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment on `day`, London time (the practices' clock)."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON)


def working_day_in(days: int) -> datetime.date:
    """The first working day `days` or more from today: a date a practice would plan a key date on,
    whatever day the suite's clock says it is."""
    return working_day_on_or_after(datetime.date.today() + datetime.timedelta(days=days))


class MigrationFactory(DjangoModelFactory):
    class Meta:
        model = Migration

    practice = factory.SubFactory(PracticeFactory)
    current_system = "EMIS Web"
    current_supplier = factory.SubFactory(SupplierFactory, name="EMIS Health")
    new_system = "TPP SystmOne"
    new_supplier = factory.SubFactory(SupplierFactory, name="TPP")
    fdp_date = factory.LazyFunction(lambda: working_day_in(42))
    go_live_date = factory.LazyAttribute(lambda o: o.fdp_date + datetime.timedelta(days=7))


# Two-factor authentication. ICB, delivery-partner and admin users must have it before they can use
# anything, so their fixtures carry an authenticator; totp_code() gives the code an app would show now.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enable_totp(user, secret: str = TOTP_SECRET):
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)
    return user


def totp_code(secret: str = TOTP_SECRET) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    return format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))


class ThirdPartySystemFactory(DjangoModelFactory):
    class Meta:
        model = ThirdPartySystem

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Linked system {n}")
    category = ThirdPartySystem.Category.DOCUMENT_MANAGEMENT
    supplier_name = "Demo Document Services"
    contact_name = "Chris Taylor"
    contact_email = factory.Sequence(lambda n: f"contact{n}@supplier.example")
    contact_phone = "0113 496 0101"
    backed_up_by_current_supplier = False


class ContactFactory(DjangoModelFactory):
    """An outside contact: a stakeholder who never signs in."""

    class Meta:
        model = Stakeholder

    migration = factory.SubFactory(MigrationFactory)
    role = StakeholderRole.PATHOLOGY_LAB
    name = factory.Sequence(lambda n: f"Contact {n}")
    organisation_name = "City Pathology"
    email = factory.Sequence(lambda n: f"contact{n}@lab.example")


class InvitationFactory(DjangoModelFactory):
    class Meta:
        model = Invitation

    practice = factory.SubFactory(PracticeFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@riverside.example")
    role = "practice_staff"
    invited_by = factory.SubFactory(UserFactory)
