from django.apps import AppConfig


class WlzConfig(AppConfig):
    name = "vpt.wlz"
    label = "wlz"
    verbose_name = "Wlz reference data"
