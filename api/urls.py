from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import pages, views

v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("migrations/", views.MigrationList.as_view(), name="api-migration-list"),
    path("migrations/summary/", views.MigrationSummary.as_view(), name="api-migration-summary"),
    path("migrations/<int:pk>/", views.MigrationDetail.as_view(), name="api-migration-detail"),
    path("migrations/<int:pk>/tasks/", views.TaskList.as_view(), name="api-task-list"),
    path("migrations/<int:pk>/tasks/<int:task_pk>/", views.TaskDetail.as_view(), name="api-task-detail"),
    path("migrations/<int:pk>/tasks/<int:task_pk>/status/", views.TaskStatus.as_view(), name="api-task-status"),
    path("migrations/<int:pk>/systems/", views.SystemList.as_view(), name="api-system-list"),
    path("migrations/<int:pk>/systems/<int:system_pk>/steps/", views.SystemStep.as_view(), name="api-system-step"),
    path("migrations/<int:pk>/reminders/", views.ReminderSummary.as_view(), name="api-reminder-summary"),
    path("migrations/<int:pk>/reentry/", views.ReentryCounts.as_view(), name="api-reentry-counts"),
    path("imports/", views.ImportList.as_view(), name="api-import-list"),
    path("imports/<int:pk>/", views.ImportDetail.as_view(), name="api-import-detail"),
]

urlpatterns = [
    path("v1/", include(v1)),
    # The pages where people make and revoke their tokens (linked from the account pages).
    path("tokens/", pages.token_list, name="api-tokens"),
    path("tokens/<int:pk>/revoke/", pages.token_revoke, name="api-token-revoke"),
]
