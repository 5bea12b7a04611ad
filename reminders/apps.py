from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders"

    def ready(self):
        # Imported here: models are not ready when this module is imported.
        from tasks.signals import planning_meeting_changed

        from . import checks  # noqa: F401 (registers the deployment checks)
        from .sweep import refresh_after_planning_meeting

        planning_meeting_changed.connect(refresh_after_planning_meeting, dispatch_uid="reminders-planning-meeting")
