from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "fupin.quality"
    label = "quality"
    verbose_name = "数据质量"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import rules  # noqa: F401  (registers the catalogue)
