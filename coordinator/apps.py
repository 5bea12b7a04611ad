from django.apps import AppConfig


class CoordinatorConfig(AppConfig):
    """The top floor: planning and changing a migration, which brings together its plan, people,
    linked systems and reminders, and the pages that show a migration whole."""

    name = "coordinator"
    verbose_name = "Migrations"
