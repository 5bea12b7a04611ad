"""Who may import a wave, and whose batches they may see."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from practices.models import Organisation

from .models import ImportBatch

IMPORTING_KINDS = [Organisation.Kind.ICB, Organisation.Kind.DELIVERY_PARTNER]


def import_organisations(user) -> QuerySet[Organisation]:
    """The ICBs and delivery partners a user may import waves for (any of them, for a superuser)."""
    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    organisations = Organisation.objects.filter(kind__in=IMPORTING_KINDS)
    if user.is_superuser:
        return organisations
    return organisations.filter(memberships__user=user).distinct()


def require_importer(request) -> QuerySet[Organisation]:
    """The user's importing organisations; 403 for anyone with none (practice users)."""
    organisations = import_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied("Only ICB and delivery partner users can import a wave.")
    return organisations


def get_batch_for_user(request, pk: int) -> ImportBatch:
    """A batch of one of the user's organisations; 404 for another organisation's batch."""
    organisations = require_importer(request)
    return get_object_or_404(
        # The file itself (up to IMPORT_MAX_BYTES) is only read by the services, not by every progress poll.
        ImportBatch.objects.filter(organisation__in=organisations)
        .select_related("organisation", "uploaded_by")
        .defer("content"),
        pk=pk,
    )
