from django.apps import AppConfig


class PrintoutsConfig(AppConfig):
    name = "printouts"
    verbose_name = "Printed cutover pack"
