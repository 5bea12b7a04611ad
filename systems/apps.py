from django.apps import AppConfig


class SystemsConfig(AppConfig):
    """A practice's linked third-party systems through the cutover: the steps recorded for each
    (notified, backed up, switched off, back on) and when each may be recorded. Their records are
    models of `practices`; the rules need the migration's dates, so they sit above `cutover`."""

    name = "systems"
    verbose_name = "Linked systems"
