from django.urls import path

from . import views

urlpatterns = [
    path("", views.programme_home, name="programme-home"),
    path("<int:organisation_pk>/tasks/", views.local_tasks, name="local-tasks"),
    path("<int:organisation_pk>/tasks/add/", views.local_task_add, name="local-task-add"),
    path("<int:organisation_pk>/tasks/<int:item_pk>/edit/", views.local_task_edit, name="local-task-edit"),
    path("<int:organisation_pk>/tasks/<int:item_pk>/retire/", views.local_task_retire, name="local-task-retire"),
    path("<int:organisation_pk>/tasks/<int:item_pk>/push/", views.local_task_push, name="local-task-push"),
]
