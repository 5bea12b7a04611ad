"""Printed pages, mounted under /migrations/<pk>/print/ by cutover/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.print_pack, name="print-pack"),
    path("plan/", views.print_plan, name="print-plan"),
    path("worklist/", views.print_worklist, name="print-worklist"),
]
