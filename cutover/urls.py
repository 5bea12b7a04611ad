from django.contrib import admin
from django.urls import include, path

from . import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", health.health, name="health"),
    path("accounts/", include("accounts.urls")),
    path("migrations/", views.migration_list, name="migration-list"),
    path("migrations/new/", views.migration_create, name="migration-create"),
    path("migrations/<int:pk>/", views.migration_detail, name="migration-detail"),
    path("migrations/<int:pk>/edit/", views.migration_edit, name="migration-edit"),
    path("", include("practices.urls")),
    path("migrations/<int:pk>/re-entry/", include("reentry.urls")),
    path("migrations/<int:pk>/plan/", include("tasks.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("migrations/<int:pk>/activity/", include("audit.urls")),
    path("reminders/", include("cutover.reminder_urls")),
    path("admin/", admin.site.urls),
]
