"""Who may keep an organisation's own tasks: its programme leads (and superusers, for support)."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from practices.models import Organisation
from tasks.models import LocalPlanItem

LEADING_KINDS = [Organisation.Kind.ICB, Organisation.Kind.DELIVERY_PARTNER]


def lead_organisations(user) -> QuerySet[Organisation]:
    """The ICBs and delivery partners whose own tasks the user keeps (every one, for a superuser)."""
    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    organisations = Organisation.objects.filter(kind__in=LEADING_KINDS)
    if user.is_superuser:
        return organisations
    return organisations.filter(memberships__user=user, memberships__is_programme_lead=True)


def require_programme_lead(request) -> QuerySet[Organisation]:
    """The organisations the user leads; 403 for anyone leading none, before any object is looked up,
    so the answer says nothing about another organisation's tasks."""
    organisations = lead_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied("Only an ICB's or delivery partner's programme lead can change its own tasks.")
    return organisations


def get_organisation_for_lead(request, organisation_pk: int) -> Organisation:
    """One organisation the user leads; 404 for any other."""
    return get_object_or_404(require_programme_lead(request), pk=organisation_pk)


def get_local_item_for_lead(request, organisation_pk: int, item_pk: int) -> LocalPlanItem:
    """One of the led organisation's own tasks; 404 for another organisation's."""
    organisation = get_organisation_for_lead(request, organisation_pk)
    items = LocalPlanItem.objects.select_related("organisation")
    return get_object_or_404(items, organisation=organisation, pk=item_pk)
