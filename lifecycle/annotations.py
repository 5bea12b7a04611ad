"""A migration's sign-offs as database annotations, so the dashboard can show, filter and export them."""

from typing import Any

from django.db.models import OuterRef, Q, Subquery

from .models import SignOff

SIGN_OFF_FILTERS = {
    "data-go": ("Data checking: go", Q(data_signoff_decision=SignOff.Decision.GO)),
    "data-no-go": ("Data checking: no-go", Q(data_signoff_decision=SignOff.Decision.NO_GO)),
    "data-none": ("Data checking: not signed off", Q(data_signoff_decision__isnull=True)),
    "go-live": ("Go-live signed off", Q(go_live_signed_at__isnull=False)),
    "no-go-live": ("Go-live not signed off", Q(go_live_signed_at__isnull=True)),
    "close-out": ("Close-out signed off", Q(close_out_signed_at__isnull=False)),
}


def _latest(kind: str, field: str) -> Subquery:
    return Subquery(
        SignOff.objects.filter(migration=OuterRef("pk"), kind=kind).order_by("-signed_at", "-pk").values(field)[:1]
    )


def sign_off_annotations() -> dict[str, Any]:
    """The latest data-checking decision and when, and when go-live and close-out were signed off."""
    return {
        "data_signoff_decision": _latest(SignOff.Kind.DATA_CHECKING, "decision"),
        "data_signoff_at": _latest(SignOff.Kind.DATA_CHECKING, "signed_at"),
        "go_live_signed_at": _latest(SignOff.Kind.GO_LIVE, "signed_at"),
        "close_out_signed_at": _latest(SignOff.Kind.CLOSE_OUT, "signed_at"),
    }


def sign_off_filter(key: str) -> Q:
    return SIGN_OFF_FILTERS[key][1]
