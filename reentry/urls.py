"""Mounted under migrations/<int:pk>/re-entry/. Entries are addressed by their number, never an NHS number."""

from django.urls import path

from . import views

urlpatterns = [
    path("record/", views.entry_record, name="reentry-record"),
    path("paper-form/", views.paper_form, name="reentry-paper-form"),
    path("worklist/", views.worklist, name="reentry-worklist"),
    path("worklist/mark/", views.worklist_mark, name="reentry-bulk-mark"),
    path("log/", views.log, name="reentry-log"),
    path("export.csv", views.export_csv, name="reentry-export"),
    path("entries/<int:entry_pk>/", views.entry_detail, name="reentry-entry"),
    path("entries/<int:entry_pk>/re-entered/", views.entry_mark, name="reentry-mark"),
    path("entries/<int:entry_pk>/checked/", views.entry_check, name="reentry-check"),
    path("entries/<int:entry_pk>/void/", views.entry_void, name="reentry-void"),
]
