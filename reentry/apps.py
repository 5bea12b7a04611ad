from django.apps import AppConfig


class ReentryConfig(AppConfig):
    name = "reentry"
    verbose_name = "Re-entry log"
