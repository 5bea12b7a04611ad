"""Every refusal as an RFC 9457 problem body: what kind of problem, what is wrong, and which field.

{"type": "…/problems/stale-task", "title": "The task changed", "status": 409,
 "detail": "…", "errors": {"version": ["…"]}, "current_version": 4}
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from cutover.access import MigrationClosed

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "/api/v1/problems/"


class ApiProblem(exceptions.APIException):
    """A refusal with its own type and title, and any extra members (such as the current version)."""

    def __init__(self, *, status_code: int, kind: str, title: str, detail: str, errors=None, **extra):
        super().__init__(detail)
        self.status_code = status_code
        self.kind, self.title, self.errors, self.extra = kind, title, errors or {}, extra


# DRF's exceptions, named and titled as problems.
KINDS = {
    exceptions.ParseError: ("malformed-request", "The request body is not valid JSON"),
    exceptions.ValidationError: ("invalid-input", "Some of what was sent is not valid"),
    exceptions.NotAuthenticated: ("not-authenticated", "Sign in or send a token"),
    exceptions.AuthenticationFailed: ("bad-token", "The token cannot be used"),
    exceptions.PermissionDenied: ("forbidden", "Not allowed"),
    exceptions.NotFound: ("not-found", "Not found"),
    exceptions.MethodNotAllowed: ("method-not-allowed", "Method not allowed"),
    exceptions.NotAcceptable: ("not-acceptable", "Cannot answer in the format asked for"),
    exceptions.UnsupportedMediaType: ("unsupported-media-type", "Send the body as JSON"),
    exceptions.Throttled: ("too-many-requests", "Too many requests"),
}


def _errors(detail) -> dict[str, list[str]]:
    """DRF's nested error detail as {field: [messages]}; errors about the whole body under "non_field_errors"."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for field, value in detail.items():
            for inner, messages in _errors(value).items():
                key = field if inner == "non_field_errors" else f"{field}.{inner}"
                flat.setdefault(key, []).extend(messages)
        return flat
    if isinstance(detail, list):
        messages: dict[str, list[str]] = {}
        for item in detail:
            for key, value in _errors(item).items():
                messages.setdefault(key, []).extend(value)
        return messages
    return {"non_field_errors": [str(detail)]}


def _summary(errors: dict[str, list[str]]) -> str:
    return " ".join(
        " ".join(messages) if field == "non_field_errors" else f"{field}: {' '.join(messages)}"
        for field, messages in errors.items()
    )


def problem_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, MigrationClosed):
        # cutover.access refuses every change to a closed migration; to the API that is a conflict with
        # the migration's state, not a matter of who is asking.
        exc = conflict("closed-migration", "The migration is closed", str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found, or not yours to see.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling and logging take over
    body: dict
    if isinstance(exc, ApiProblem):
        body = {"type": TYPE_BASE + exc.kind, "title": exc.title, "status": response.status_code}
        body["detail"] = str(exc.detail)
        if exc.errors:
            body["errors"] = exc.errors
        body.update(exc.extra)
    else:
        kind, title = next(
            (value for cls, value in KINDS.items() if isinstance(exc, cls)), ("error", "The request failed")
        )
        body = {"type": TYPE_BASE + kind, "title": title, "status": response.status_code}
        if isinstance(exc, exceptions.ValidationError):
            body["errors"] = _errors(exc.detail)
            body["detail"] = _summary(body["errors"])
        else:
            body["detail"] = str(exc.detail)
    request = context.get("request")
    renderer = getattr(request, "accepted_renderer", None)
    # The browsable pages render the same body as HTML; every other client gets the problem type.
    content_type = None if renderer is not None and renderer.format == "api" else PROBLEM_CONTENT_TYPE
    headers = {name: value for name, value in response.items() if name.lower() != "content-type"}
    return Response(body, status=response.status_code, headers=headers, content_type=content_type)


def conflict(kind: str, title: str, detail: str, **extra) -> ApiProblem:
    return ApiProblem(status_code=status.HTTP_409_CONFLICT, kind=kind, title=title, detail=detail, **extra)
