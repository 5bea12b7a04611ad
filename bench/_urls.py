"""The app's URLs plus a bare login-required view: the floor of the stack, for bench/plan.py and bench/served.py."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path


@login_required
def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), path("", include("cutover.urls"))]
