"""Reminder pages, mounted under /reminders/ by cutover/urls.py."""

from django.urls import path

from . import preference_views, teams_views, views

urlpatterns = [
    path("stop/<str:token>/", views.reminder_unsubscribe, name="reminder-unsubscribe"),
    path("preferences/", preference_views.reminder_preferences, name="reminder-preferences"),
    path("teams/", teams_views.teams_channels, name="teams-channels"),
    path("teams/practices/<int:practice_pk>/", teams_views.teams_channel_practice, name="teams-channel-practice"),
    path(
        "teams/organisations/<int:organisation_pk>/",
        teams_views.teams_channel_organisation,
        name="teams-channel-organisation",
    ),
]
