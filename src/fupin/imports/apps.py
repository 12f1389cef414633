from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "fupin.imports"
    label = "imports"
    verbose_name = "导入导出"
