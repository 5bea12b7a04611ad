"""A migration's reminders, mounted under /migrations/<pk>/reminders/ by cutover/urls.py."""

from django.urls import path

from . import panel_views

urlpatterns = [path("", panel_views.migration_reminders, name="migration-reminders")]
