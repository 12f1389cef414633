"""Form helpers: Bootstrap widgets, month inputs, optimistic-locking version field, service errors on forms."""

from __future__ import annotations

import datetime as dt

from django import forms

from .errors import ApplicationError


class MonthField(forms.DateField):
    """A month (YYYY-MM, YYYYMM or YYYY年M月), stored as the first day of the month."""

    input_formats = ["%Y-%m", "%Y%m", "%Y年%m月", "%Y-%m-%d"]
    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    default_error_messages = {"invalid": "请输入有效的年月，例如 2024-05"}

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace(day=1) if isinstance(value, dt.date) else value


class BootstrapMixin:
    """Bootstrap 5 classes on every widget, and ``aria-invalid`` where a field has errors."""

    def _style(self):
        for name, field in self.fields.items():
            w = field.widget
            if isinstance(w, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.CheckboxInput):
                w.attrs.setdefault("class", "form-check-input")
            elif isinstance(w, forms.Select | forms.NullBooleanSelect):
                w.attrs.setdefault("class", "form-select")
            elif not isinstance(w, forms.HiddenInput):
                w.attrs.setdefault("class", "form-control")
            # _errors, not errors: reading .errors would validate the form before subclasses finish __init__.
            if self._errors and name in self._errors:
                w.attrs["class"] += " is-invalid"
                w.attrs["aria-invalid"] = "true"

    def full_clean(self):
        super().full_clean()
        self._style()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField) and not isinstance(field, MonthField):
                field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            if isinstance(field, forms.NullBooleanField):
                field.widget = forms.NullBooleanSelect()
                field.widget.choices = [("unknown", "未填"), ("true", "是"), ("false", "否")]
        self._style()


class VersionedForm(BootstrapMixin, forms.Form):
    """A form carrying the version of the record it was loaded from (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def apply_service_error(form: forms.Form, exc: ApplicationError, prefix_map: dict[str, str] | None = None) -> None:
    """Put a service error on the form: field errors on their fields, the rest on top. Keeps the user's input."""
    placed = False
    for field, messages in exc.field_errors.items():
        name = (prefix_map or {}).get(field, field)
        for message in messages:
            if name in form.fields:
                form.add_error(name, message)
                placed = True
            else:
                form.add_error(None, f"{field}：{message}" if field != "__all__" else message)
                placed = True
    if not placed:
        form.add_error(None, exc.message)
