from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Sign-in and sessions"

    def ready(self):
        from . import signals  # noqa: F401 (connects the session-ending receivers)
