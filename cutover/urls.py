from django.contrib import admin
from django.urls import include, path

from . import health

urlpatterns = [
    path("health/", health.health, name="health"),
    path("accounts/", include("accounts.urls")),
    path("", include("coordinator.urls")),
    path("migrations/<int:pk>/re-entry/", include("reentry.urls")),
    path("migrations/<int:pk>/plan/", include("tasks.urls")),
    path("my-tasks/", include("tasks.my_urls")),
    path("dashboard/", include("dashboard.urls")),
    path("programme/", include("programme.urls")),
    path("migrations/<int:pk>/activity/", include("audit.urls")),
    path("migrations/<int:pk>/", include("lifecycle.urls")),
    path("migrations/<int:pk>/reminders/", include("reminders.migration_urls")),
    path("reminders/", include("reminders.urls")),
    path("api/", include("api.urls")),
    path("calendars/", include("calendars.urls")),
    path("migrations/<int:pk>/print/", include("printouts.urls")),
    path("admin/", admin.site.urls),
]

# Error pages in the site layout (cutover/errors.py; 400, 404 and 500 are Django's handlers with our templates).
handler403 = "cutover.errors.permission_denied"
