from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from . import codes


class MultiCodeField(models.CharField):
    """Several codes of one code list, stored as ``,01,04,`` so that "has code X" is a plain, portable
    ``LIKE '%,X,%'`` on SQLite and PostgreSQL alike (no JSON containment, which SQLite lacks).

    The Python value is a list of codes in the order given. Use the ``has`` lookup: ``risk_types__has="01"``.
    """

    description = "codes of one code list"

    def __init__(self, *args, code_list: str, max_items: int | None = None, **kwargs):
        self.code_list = code_list
        self.max_items = max_items
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["code_list"] = self.code_list
        if self.max_items is not None:
            kwargs["max_items"] = self.max_items
        return name, path, args, kwargs

    @staticmethod
    def _split(value: str) -> list[str]:
        return [c for c in value.split(",") if c]

    def from_db_value(self, value, expression, connection):
        if value is None:
            return []
        return self._split(value)

    def to_python(self, value):
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return self._split(value)
        return [str(v) for v in value]

    def get_prep_value(self, value):
        value = self.to_python(value)
        return f",{','.join(value)}," if value else ""

    def value_to_string(self, obj):
        return ",".join(self.value_from_object(obj))

    def validate(self, value, model_instance):
        value = self.to_python(value)
        if not value and not self.blank:
            raise ValidationError(self.error_messages["blank"], code="blank")
        known = codes.get(self.code_list).by_code
        bad = [v for v in value if v not in known]
        if bad:
            raise ValidationError(f"{'、'.join(bad)} 不是有效的{codes.get(self.code_list).label}代码", code="invalid")
        if len(set(value)) != len(value):
            raise ValidationError("不能重复选择同一项", code="duplicate")
        if self.max_items and len(value) > self.max_items:
            raise ValidationError(f"最多选择{self.max_items}项", code="max_items")

    def run_validators(self, value):
        # CharField's max-length validator would measure the list, not the stored text.
        return

    def formfield(self, **kwargs):
        from django import forms

        defaults = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": codes.choices_of(self.code_list),
            "required": not self.blank,
            "widget": forms.CheckboxSelectMultiple,
        }
        defaults.update(kwargs)
        defaults.pop("max_length", None)
        defaults.pop("empty_value", None)
        return models.Field.formfield(self, **defaults)


@MultiCodeField.register_lookup
class HasCode(models.Lookup):
    """``field__has="01"``: the list contains code 01."""

    lookup_name = "has"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        code = str(self.rhs)
        if not code.isalnum():
            raise ValueError(f"invalid code {code!r}")
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} LIKE %s", [*lhs_params, f"%,{code},%"]
