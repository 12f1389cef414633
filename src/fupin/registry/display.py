"""Field values as a page shows them: labels from the model, code labels, 是/否, units."""

from __future__ import annotations

from django.db import models

from fupin.core import codes
from fupin.core.fields import MultiCodeField


def display_value(obj: models.Model, name: str) -> str:
    field = obj._meta.get_field(name)
    value = getattr(obj, name)
    if value in (None, "", []):
        return "—"
    if isinstance(field, MultiCodeField):
        return "、".join(codes.label(field.code_list, c) for c in value)
    if isinstance(field, models.BooleanField):
        return "是" if value else "否"
    if isinstance(field, models.ForeignKey):
        return str(value)
    if field.choices:
        return getattr(obj, f"get_{name}_display")()
    if isinstance(field, models.DateField) and name.endswith("_month"):
        return value.strftime("%Y-%m")
    return str(value)


def field_rows(obj: models.Model, names: list[str]) -> list[tuple[str, str]]:
    return [(str(obj._meta.get_field(n).verbose_name), display_value(obj, n)) for n in names]
