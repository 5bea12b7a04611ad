from django.urls import path

from . import people, views

urlpatterns = [
    path("", views.home, name="home"),
    path("migrations/", views.migration_list, name="migration-list"),
    path("migrations/new/", views.migration_create, name="migration-create"),
    path("migrations/<int:pk>/", views.migration_detail, name="migration-detail"),
    path("migrations/<int:pk>/edit/", views.migration_edit, name="migration-edit"),
    path("migrations/<int:pk>/changes/", views.migration_changes, name="migration-changes"),
    path("migrations/<int:pk>/people/", people.people, name="people"),
    path("migrations/<int:pk>/people/confirm/", people.people_confirm, name="people-confirm"),
    path("migrations/<int:pk>/people/clinical-lead/", people.clinical_leads, name="clinical-leads"),
    path("migrations/<int:pk>/people/add/", people.stakeholder_add, name="stakeholder-add"),
    path("migrations/<int:pk>/people/<int:stakeholder_pk>/edit/", people.stakeholder_edit, name="stakeholder-edit"),
    path(
        "migrations/<int:pk>/people/<int:stakeholder_pk>/remove/", people.stakeholder_remove, name="stakeholder-remove"
    ),
    path("migrations/<int:pk>/people/invite/", people.invitation_create, name="invitation-create"),
    path("join/<str:ods_code>/<str:token>/", people.invitation_accept, name="invitation-accept"),
    path("migrations/<int:pk>/systems/", people.systems, name="systems"),
    path("migrations/<int:pk>/systems/add/", people.system_add, name="system-add"),
    path("migrations/<int:pk>/systems/none/", people.systems_none, name="systems-none"),
    path("migrations/<int:pk>/systems/<int:system_pk>/edit/", people.system_edit, name="system-edit"),
    path("migrations/<int:pk>/systems/<int:system_pk>/steps/", people.system_step, name="system-step"),
    path(
        "migrations/<int:pk>/systems/<int:system_pk>/not-applicable/",
        people.system_not_applicable,
        name="system-not-applicable",
    ),
    path("migrations/<int:pk>/systems/<int:system_pk>/applicable/", people.system_applicable, name="system-applicable"),
]
