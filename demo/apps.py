from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for a first run (`seed_demo`), built through each app's own services."""

    name = "demo"
    verbose_name = "Demo data"
