import datetime
import itertools

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from reentry.models import Entry, Kind
from reentry.nhs_number import demo_nhs_numbers

from ..factories import UserFactory

_NHS_NUMBERS = itertools.cycle(demo_nhs_numbers(500))


class EntryFactory(DjangoModelFactory):
    """An entry made straight in the database, for tests about what happens to it afterwards.

    Tests of recording itself go through reentry.services.entry_record().
    """

    class Meta:
        model = Entry

    kind = Kind.CONSULTATION
    nhs_number = factory.LazyFunction(lambda: next(_NHS_NUMBERS))
    summary = factory.Sequence(lambda n: f"Seen in clinic, visit {n}")
    occurred_at = factory.LazyAttributeSequence(
        lambda o, n: timezone.make_aware(
            datetime.datetime.combine(o.migration.fdp_date, datetime.time(8, 0)) + datetime.timedelta(minutes=n % 600)
        )
    )
    recorded_by = factory.SubFactory(UserFactory)
    recorded_at = factory.LazyAttribute(lambda o: o.occurred_at + datetime.timedelta(minutes=5))


class RegistrationEntryFactory(EntryFactory):
    kind = Kind.NEW_REGISTRATION
    nhs_number = ""
    summary = ""
    patient_name = factory.Faker("name", locale="en_GB")
    patient_date_of_birth = datetime.date(1990, 5, 17)
    patient_address = "1 High Street\nTesttown\nTT1 1AA"
