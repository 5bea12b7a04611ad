"""Who must sign in with two-factor authentication."""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from practices.models import OrganisationMembership

# Recovery codes alone are a fallback, not a second factor.
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def _required_by_role(user) -> bool:
    return settings.MFA_REQUIRED_FOR_ALL or user.is_staff or user.is_superuser


def mfa_required_for(user) -> bool:
    """ICB, delivery-partner and admin users oversee many practices, so they must use MFA.

    Practice users may choose it; MFA_REQUIRED_FOR_ALL makes it everyone's rule.
    """
    if not user.is_authenticated:
        return False
    return _required_by_role(user) or OrganisationMembership.objects.filter(user=user).exists()


def mfa_setup_needed(user, *, with_factor: bool = False):
    """True for someone who must use MFA but has no authenticator yet (one query).

    ``with_factor``: answer ``(needed, has a second factor)`` from the same query, for the session
    to keep (``mfa_session.py``).
    """
    if not user.is_authenticated:
        return (False, False) if with_factor else False
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            has_factor=Exists(Authenticator.objects.filter(user=OuterRef("pk"), type__in=SECOND_FACTORS)),
            in_organisation=Exists(OrganisationMembership.objects.filter(user=OuterRef("pk"))),
        )
        .values_list("has_factor", "in_organisation")
        .first()
    )
    has_factor, in_organisation = row or (False, False)
    needed = not has_factor and (_required_by_role(user) or in_organisation)
    return (needed, has_factor) if with_factor else needed
