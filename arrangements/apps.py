from django.apps import AppConfig


class ArrangementsConfig(AppConfig):
    name = "arrangements"
