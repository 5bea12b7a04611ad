import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from practices.models import Invitation, Stakeholder, StakeholderRole, ThirdPartySystem

from ..factories import MigrationFactory, PracticeFactory, UserFactory


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


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """A moment on `day`, London time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
