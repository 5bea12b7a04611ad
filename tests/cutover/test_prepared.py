"""A query compiled once and run with each call's values (cutover/prepared.py)."""

import pytest

from cutover.models import Migration
from cutover.prepared import PreparedQuery

from ..factories import MigrationFactory

pytestmark = pytest.mark.django_db


def test_each_call_finds_the_rows_for_its_own_values_and_keeps_the_querys_constants(practice, suppliers):
    active = MigrationFactory(practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1])
    closed = MigrationFactory(
        practice=practice, current_supplier=suppliers[0], new_supplier=suppliers[1], status=Migration.Status.COMPLETED
    )
    query = PreparedQuery(
        lambda pk: Migration.objects.filter(pk=pk, status=Migration.Status.ACTIVE).select_related("new_supplier")
    )
    [found] = query.all(pk=active.pk)
    assert (found.pk, found.go_live_date) == (active.pk, active.go_live_date)
    assert found.new_supplier.name == suppliers[1].name
    assert query.all(pk=closed.pk) == []  # the status the query was built with still applies
    assert query.all(pk=active.pk)[0].pk == active.pk


def test_a_value_the_query_never_uses_is_refused_when_it_is_first_run():
    query = PreparedQuery(lambda pk, user_id: Migration.objects.filter(pk=pk))
    with pytest.raises(ValueError, match="never uses user_id"):
        query.all(pk=1, user_id=2)
