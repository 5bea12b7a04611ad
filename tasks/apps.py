from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = "Plan and re-entry log"

    def ready(self):
        # Imported here: models are not ready when this module is imported.
        from practices.signals import contact_joined
        from reentry.signals import entries_changed

        from .following import follow_reentry_entries
        from .services import move_tasks_of_joined_contact

        entries_changed.connect(follow_reentry_entries, dispatch_uid="tasks-follow-reentry")
        contact_joined.connect(move_tasks_of_joined_contact, dispatch_uid="tasks-contact-joined")
