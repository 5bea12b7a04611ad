"""The person's own tasks across their migrations, mounted at /my-tasks/ by cutover/urls.py."""

from django.urls import path

from . import views

urlpatterns = [path("", views.my_tasks_page, name="my-tasks")]
