"""The one public page of the reminders: an outside contact stops their daily task emails.

Outside contacts never sign in, so the signed link in the email is what lets them in. Opening it
(GET) changes nothing, because mail scanners open links; only the button (POST) opts out.
"""

from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .optout import reminder_is_opted_out, reminder_opt_out, unsubscribe_email


# No CSRF token: mail programs that offer their own unsubscribe button (RFC 8058) POST to the
# link without one. Forging the POST needs the signed token, which only the recipient has.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def reminder_unsubscribe(request, token: str):
    email = unsubscribe_email(token)
    if email is None:
        return render(request, "reminders/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        reminder_opt_out(email=email)
        return redirect("reminder-unsubscribe", token=token)
    context = {"email": email, "opted_out": reminder_is_opted_out(email=email)}
    return render(request, "reminders/unsubscribe.html", context)
