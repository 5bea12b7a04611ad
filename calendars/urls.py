"""Calendar pages, mounted under /calendars/ by cutover/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.calendar_feeds, name="calendar-feeds"),
    path("new/", views.calendar_feed_create, name="calendar-feed-create"),
    path("<int:token_pk>/revoke/", views.calendar_feed_revoke, name="calendar-feed-revoke"),
    path("feed/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
    path("key-dates.ics", views.oversight_download, name="calendar-oversight-download"),
    path("migrations/<int:pk>/key-dates.ics", views.migration_download, name="calendar-migration-download"),
]
