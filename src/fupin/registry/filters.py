"""Filter sets shared by the UI lists, the API and the exports."""

from __future__ import annotations

import django_filters as df
from django import forms

from fupin.core import codes

from .models import Household, IncomeRecord, Member, WorkRecord
from .selectors import in_area, search_households


class AllYesNo(forms.NullBooleanSelect):
    """全部 / 是 / 否 (Django's own reads 未知 for the empty choice, which means "all" in a filter)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", "全部"), ("true", "是"), ("false", "否")]


HOUSEHOLD_ORDERING = (
    ("number", "户编号"),
    ("head_name", "户主"),
    ("size", "人口"),
    ("per_capita_income", "人均纯收入"),
    ("updated_at", "更新时间"),
)


class AreaCodeFilter(df.CharFilter):
    """An area code of any level (2–12 digits): everything in its subtree."""

    def __init__(self, *args, path: str, **kwargs):
        self.path = path
        kwargs.setdefault("label", "区划代码")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return in_area(qs, self.path, value) if value else qs


class HouseholdFilter(df.FilterSet):
    q = df.CharFilter(label="姓名/证件号/户编号", method="filter_q")
    area = AreaCodeFilter(path="village_id")
    household_type = df.MultipleChoiceFilter(label="户类型", choices=codes.choices_of("household_type"))
    monitor_kind = df.MultipleChoiceFilter(label="监测对象类别", choices=codes.choices_of("monitor_kind"))
    monitored = df.BooleanFilter(label="是否监测对象", method="filter_monitored", widget=AllYesNo)
    risk_type = df.ChoiceFilter(label="风险类型", choices=codes.choices_of("risk_type"), method="filter_risk")
    risk_eliminated = df.BooleanFilter(label="风险是否已消除", method="filter_eliminated", widget=AllYesNo)
    income_min = df.NumberFilter(label="人均纯收入≥", field_name="per_capita_income", lookup_expr="gte")
    income_max = df.NumberFilter(label="人均纯收入≤", field_name="per_capita_income", lookup_expr="lte")
    is_active = df.BooleanFilter(label="在册", field_name="is_active", widget=AllYesNo)
    ordering = df.OrderingFilter(fields=[(f, f) for f, _ in HOUSEHOLD_ORDERING],
                                 field_labels=dict(HOUSEHOLD_ORDERING), label="排序")

    class Meta:
        model = Household
        fields = ["q", "area", "household_type", "monitor_kind", "monitored", "risk_type", "risk_eliminated",
                  "income_min", "income_max", "is_active"]

    def filter_q(self, qs, name, value):
        return search_households(qs, value)

    def filter_monitored(self, qs, name, value):
        if value is None:
            return qs
        return qs.exclude(monitor_kind="") if value else qs.filter(monitor_kind="")

    def filter_risk(self, qs, name, value: str):
        return qs.filter(risk_types__has=value) if value else qs

    def filter_eliminated(self, qs, name, value):
        if value is None:
            return qs
        return qs.exclude(monitor_kind="").filter(risk_eliminated=value)

    @property
    def qs(self):
        qs = super().qs
        if not (self.form.is_bound and self.form.cleaned_data.get("ordering")):
            qs = qs.order_by("number")
        return qs


class MemberFilter(df.FilterSet):
    q = df.CharFilter(label="姓名/证件号", method="filter_q")
    area = AreaCodeFilter(path="household__village_id")
    household = df.NumberFilter(field_name="household_id", label="农户ID")
    is_active = df.BooleanFilter(label="在户", widget=AllYesNo)
    relationship = df.MultipleChoiceFilter(choices=codes.choices_of("relationship"), label="与户主关系")

    class Meta:
        model = Member
        fields = ["q", "area", "household", "is_active", "relationship"]

    def filter_q(self, qs, name, value):
        from .selectors import prefix_range

        value = (value or "").strip().upper()
        if not value:
            return qs
        if value[:1].isdigit():
            return qs.filter(id_number=value) if len(value) == 18 else qs.filter(prefix_range("id_number", value))
        return qs.filter(prefix_range("name", value))


class IncomeFilter(df.FilterSet):
    area = AreaCodeFilter(path="household__village_id")
    household = df.NumberFilter(field_name="household_id", label="农户ID")
    year = df.NumberFilter(label="年度")
    per_capita_min = df.NumberFilter(field_name="per_capita_income", lookup_expr="gte", label="人均纯收入≥")
    per_capita_max = df.NumberFilter(field_name="per_capita_income", lookup_expr="lte", label="人均纯收入≤")

    class Meta:
        model = IncomeRecord
        fields = ["area", "household", "year"]


class WorkRecordFilter(df.FilterSet):
    area = AreaCodeFilter(path="member__household__village_id")
    member = df.NumberFilter(field_name="member_id", label="成员ID")
    kind = df.ChoiceFilter(choices=WorkRecord.Kind.choices, label="类型")

    class Meta:
        model = WorkRecord
        fields = ["area", "member", "kind"]


def filter_form_widgets(form: forms.Form) -> forms.Form:
    """Bootstrap classes on a filter form's widgets."""
    for name, field in form.fields.items():
        w = field.widget
        if isinstance(w, forms.CheckboxSelectMultiple):
            continue
        if isinstance(w, forms.SelectMultiple):
            w.attrs.setdefault("class", "form-select form-select-sm")
            w.attrs.setdefault("size", "4")
        elif isinstance(w, forms.Select | forms.NullBooleanSelect):
            w.attrs.setdefault("class", "form-select form-select-sm")
        else:
            w.attrs.setdefault("class", "form-control form-control-sm")
        if name == "q":
            w.attrs.setdefault("placeholder", "姓名、证件号码或户编号")
    return form
