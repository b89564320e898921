from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "vpt.accounts"
    label = "accounts"
    verbose_name = "Accounts"
