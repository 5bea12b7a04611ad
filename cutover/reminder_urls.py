"""Reminder pages, mounted under /reminders/ by cutover/urls.py."""

from django.urls import path

from . import reminder_views

urlpatterns = [
    path("stop/<str:token>/", reminder_views.reminder_unsubscribe, name="reminder-unsubscribe"),
]
