"""Plan pages, mounted under /migrations/<pk>/plan/ by cutover/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.plan, name="plan"),
    path("new/", views.task_add, name="task-add"),
    path("tasks/<int:task_pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:task_pk>/status/", views.task_status, name="task-status"),
    path("tasks/<int:task_pk>/notes/", views.task_note_add, name="task-note-add"),
    path("tasks/<int:task_pk>/assign/", views.task_assign, name="task-assign"),
    path("tasks/<int:task_pk>/due/", views.task_due_edit, name="task-due-edit"),
]
