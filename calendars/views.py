"""The feed itself (no sign-in: the link is the key), the page to manage feed links, and the
"Add to calendar" download of a migration's key dates."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseNotFound
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from cutover.access import get_migration_for_user
from cutover.models import Migration
from cutover.timeline import local_today
from practices.models import PracticeMembership

from .events import oversight_events
from .feeds import (
    feed_calendar,
    feed_find,
    feed_live,
    feed_organisations,
    feed_token_create,
    feed_token_revoke,
    feed_url,
    migration_calendar,
)
from .ical import calendar_build
from .models import FeedToken

NEW_LINK_SESSION_KEY = "calendars_new_link"


def _ics(body: bytes, *, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe  # calendar apps may ask with HEAD first
def calendar_feed(request, token: str):
    """What a calendar app fetches. A wrong, revoked or old link gets a bare 404: nothing that
    says whether it ever existed or whose it was."""
    found = feed_find(raw=token)
    if found is None:
        return HttpResponseNotFound(b"", content_type="text/plain")
    return _ics(feed_calendar(token=found, today=local_today()))


@require_GET
@login_required
def migration_download(request, pk: int):
    migration = get_migration_for_user(request, pk)
    body = migration_calendar(migration=migration, today=local_today())
    return _ics(body, filename=f"cutover-{migration.practice.ods_code.lower()}.ics")


@require_GET
@login_required
def oversight_download(request):
    """The wave calendar's "Add to calendar": FDP, cutover and go-live of every migration the
    person can see (no patient data: dates and practice names only)."""
    events = oversight_events(Migration.objects.visible_to(request.user), today=local_today())
    return _ics(calendar_build(name="Cutover key dates", events=events), filename="cutover-key-dates.ics")


def _feed_rows(user) -> list[dict]:
    """Every feed this person may have, each with its live link if they made one."""
    live = {(t.kind, t.migration_id, t.organisation_id): t for t in feed_live(user=user).select_related("migration")}
    rows = [{"kind": FeedToken.Kind.PERSON, "title": "Your calendar", "target": None}]
    rows += [
        {"kind": FeedToken.Kind.ORGANISATION, "title": str(org), "target": org.pk, "organisation": org}
        for org in feed_organisations(user)
    ]
    # Migrations of the person's own practices, and any other migration they already made a link
    # for (from its page); an ICB's many practices are covered by the organisation feed.
    linked = [t.migration_id for t in live.values() if t.migration_id]
    own_practices = PracticeMembership.objects.filter(user=user).values("practice_id")
    migrations = (
        Migration.objects.visible_to(user)
        .filter(Q(pk__in=linked) | Q(practice__in=own_practices, status=Migration.Status.ACTIVE))
        .select_related("practice")
    )
    for migration in migrations:
        rows.append({"kind": FeedToken.Kind.MIGRATION, "title": None, "target": migration.pk, "migration": migration})
    for row in rows:
        key = (
            row["kind"],
            row["target"] if row["kind"] == FeedToken.Kind.MIGRATION else None,
            row["target"] if row["kind"] == FeedToken.Kind.ORGANISATION else None,
        )
        row["token"] = live.get(key)
    return rows


@require_GET
@login_required
@never_cache  # it shows a new secret link once
def calendar_feeds(request):
    new_link = request.session.pop(NEW_LINK_SESSION_KEY, None)
    return render(
        request,
        "calendars/feeds.html",
        {"rows": _feed_rows(request.user), "new_link": new_link},
    )


@require_POST
@login_required
def calendar_feed_create(request):
    """Make a link (or a new one in place of the old): for oneself, a migration the person can see,
    or an ICB or delivery partner they belong to. Anything else is a 404."""
    kind = request.POST.get("kind")
    target = request.POST.get("target", "")
    user = request.user
    if kind == FeedToken.Kind.PERSON:
        scope = {}
    elif kind == FeedToken.Kind.MIGRATION and target.isdigit():
        scope = {"migration": get_migration_for_user(request, int(target))}
    elif kind == FeedToken.Kind.ORGANISATION and target.isdigit():
        scope = {"organisation": get_object_or_404(feed_organisations(user), pk=int(target))}
    else:
        raise Http404("No such calendar.")
    try:
        token, raw = feed_token_create(user=user, kind=kind, **scope)
    except IntegrityError:  # a double click: the other request's link won (one live link per feed)
        messages.error(request, "A link to that calendar was being made at the same moment. Make it again.")
        return redirect("calendar-feeds")
    # Shown once on the next page, then gone: only its hash is kept.
    request.session[NEW_LINK_SESSION_KEY] = {"pk": token.pk, "title": token.title, "url": feed_url(raw)}
    return redirect("calendar-feeds")


@require_POST
@login_required
def calendar_feed_revoke(request, token_pk: int):
    token = get_object_or_404(feed_live(user=request.user), pk=token_pk)
    feed_token_revoke(token=token)
    messages.success(request, f"The link to {token.title} no longer works. Calendars that used it stop updating.")
    return redirect("calendar-feeds")
