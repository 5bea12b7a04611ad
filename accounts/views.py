from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
@login_required
def email_address(request):
    """Stands in for allauth's email management: the address is who someone is here.

    Memberships and invitations are tied to it, so administrators change it, not its owner.
    """
    return render(request, "accounts/email_address.html")
