"""Readable change history: field labels, code labels instead of codes, personal data masked per role."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from . import codes
from .fields import MultiCodeField
from .masking import mask_value, may_see, perm_for_field
from .models import ObjectChange


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


def _display(field: models.Field | None, value) -> str:
    if value in (None, "", []):
        return "—"
    if field is None:
        return str(value)
    if isinstance(field, MultiCodeField):
        items = value if isinstance(value, list) else [c for c in str(value).split(",") if c]
        return "、".join(codes.label(field.code_list, c) for c in items) or "—"
    if isinstance(field, models.BooleanField):
        return "是" if value else "否"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def describe(change: ObjectChange, user) -> list[FieldChange]:
    model = change.content_type.model_class()
    by_attname = {f.attname: f for f in model._meta.concrete_fields} if model else {}
    out = []
    for key, before, after in change.diff:
        field = by_attname.get(key)
        label = str(field.verbose_name) if field else key
        if perm_for_field(key) and not may_see(user, key, change.area_code):
            before, after = mask_value(key, before), mask_value(key, after)
        out.append(FieldChange(label, _display(field, before), _display(field, after)))
    return out
