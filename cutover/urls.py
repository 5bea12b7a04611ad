from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", health.health, name="health"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("migrations/", views.migration_list, name="migration-list"),
    path("migrations/new/", views.migration_create, name="migration-create"),
    path("migrations/<int:pk>/", views.migration_detail, name="migration-detail"),
    path("migrations/<int:pk>/edit/", views.migration_edit, name="migration-edit"),
    path("dashboard/", include("dashboard.urls")),
    path("admin/", admin.site.urls),
]
