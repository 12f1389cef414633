from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "fupin.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def ready(self):
        from .roles import sync_roles

        post_migrate.connect(sync_roles, sender=self)
