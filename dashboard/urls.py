from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("calendar/", views.wave_calendar, name="dashboard-calendar"),
    path("timeline/", views.wave_timeline, name="dashboard-timeline"),
    path("export.csv", views.export_csv, name="dashboard-export-csv"),
    path("export.xlsx", views.export_xlsx, name="dashboard-export-xlsx"),
    path("imports/", views.import_list, name="import-list"),
    path("imports/template.csv", views.import_template, {"fmt": "csv"}, name="import-template-csv"),
    path("imports/template.xlsx", views.import_template, {"fmt": "xlsx"}, name="import-template-xlsx"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
]
