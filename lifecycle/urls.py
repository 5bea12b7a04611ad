"""Mounted under migrations/<int:pk>/ by cutover/urls.py."""

from django.urls import path

from . import log_views, views

urlpatterns = [
    path("lifecycle-dates/", views.lifecycle_dates, name="migration-lifecycle-dates"),
    path("sign-off/data-checking/", views.signoff_data_checking, name="signoff-data-checking"),
    path("sign-off/go-live/", views.signoff_go_live, name="signoff-go-live"),
    path("data-checking/", log_views.data_checking_log, name="data-checking-log"),
    path("complete/", views.migration_complete, name="migration-complete"),
    path("cancel/", views.migration_cancel, name="migration-cancel"),
    path("reopen/", views.migration_reopen, name="migration-reopen"),
]
