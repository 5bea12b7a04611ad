"""The pages where people make, see and revoke their personal API tokens (from the account pages)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.policy import mfa_required_for

from . import tokens
from .forms import TokenCreateForm


@require_http_methods(["GET", "POST"])
@login_required
def token_list(request):
    form = TokenCreateForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = tokens.token_create(
                    user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
                )
            except tokens.TokenRefused as exc:
                form.add_error(None, str(exc))
            else:
                form = TokenCreateForm()
        if created is None:
            status = 400
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            # Shown on this answer only: the page is never cached (no-store) and the secret is not kept.
            "created": created,
            "tokens": tokens.tokens_of(request.user),
            "mfa_required": mfa_required_for(request.user),
        },
        status=status,
    )


@require_POST
@login_required
def token_revoke(request, pk: int):
    token = get_object_or_404(tokens.tokens_of(request.user), pk=pk)  # another person's token: 404
    if tokens.token_revoke(token=token):
        messages.success(request, f"“{token.name}” is revoked: it no longer works.")
    else:
        messages.info(request, f"“{token.name}” was already revoked.")
    return redirect("api-tokens")
