"""Mounted under migrations/<int:pk>/activity/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.activity, name="migration-activity"),
]
