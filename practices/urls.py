from django.urls import path

from . import views

urlpatterns = [
    path("migrations/<int:pk>/people/", views.people, name="people"),
    path("migrations/<int:pk>/people/confirm/", views.people_confirm, name="people-confirm"),
    path("migrations/<int:pk>/people/add/", views.stakeholder_add, name="stakeholder-add"),
    path("migrations/<int:pk>/people/<int:stakeholder_pk>/edit/", views.stakeholder_edit, name="stakeholder-edit"),
    path(
        "migrations/<int:pk>/people/<int:stakeholder_pk>/remove/", views.stakeholder_remove, name="stakeholder-remove"
    ),
    path("migrations/<int:pk>/people/invite/", views.invitation_create, name="invitation-create"),
    path("join/<str:ods_code>/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("migrations/<int:pk>/systems/", views.systems, name="systems"),
    path("migrations/<int:pk>/systems/add/", views.system_add, name="system-add"),
    path("migrations/<int:pk>/systems/<int:system_pk>/edit/", views.system_edit, name="system-edit"),
    path("migrations/<int:pk>/systems/<int:system_pk>/steps/", views.system_step, name="system-step"),
    path(
        "migrations/<int:pk>/systems/<int:system_pk>/not-applicable/",
        views.system_not_applicable,
        name="system-not-applicable",
    ),
    path("migrations/<int:pk>/systems/<int:system_pk>/applicable/", views.system_applicable, name="system-applicable"),
]
