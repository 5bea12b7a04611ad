"""Error pages in the site's layout that say what happened and what to do next (templates/4xx.html, 500.html).

Django's own handlers render 400.html, 404.html and 500.html; these two add what the templates need.
"""

from django.http import HttpResponseForbidden
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from .access import MigrationClosed, PatientDetailsRefused


@requires_csrf_token
def permission_denied(request, exception=None):
    """403: the reason given where the refusal was raised, and which kind of refusal it was."""
    context = {
        "reason": str(exception or ""),
        "patient_details": isinstance(exception, PatientDetailsRefused),
        "closed": isinstance(exception, MigrationClosed),
    }
    return HttpResponseForbidden(loader.render_to_string("403.html", context, request))


@requires_csrf_token
def csrf_failure(request, reason=""):
    """A form sent without a valid security token: usually a page left open across signing out, or
    cookies refused. Nothing was saved, and the person can go back and send it again."""
    return HttpResponseForbidden(loader.render_to_string("403_csrf.html", {}, request))
