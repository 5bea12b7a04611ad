from django.apps import AppConfig


class CutoverConfig(AppConfig):
    name = "cutover"
    verbose_name = "Cutover"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy checks)
