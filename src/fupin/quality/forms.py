"""Forms of the data-quality pages (validation messages in Chinese; business rules stay in the services)."""

from __future__ import annotations

import datetime as dt

from django import forms

from fupin.core.forms import BootstrapMixin

from .catalogue import CATALOGUE, LEVELS, SEVERITIES
from .models import Problem


class RunForm(BootstrapMixin, forms.Form):
    area = forms.ChoiceField(label="核查范围")
    check_date = forms.DateField(label="核查基准日", widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text="年龄按此日计算", error_messages={"invalid": "请填写有效日期，如2026-06-30"})
    rules = forms.MultipleChoiceField(label="规则（不选 = 全部）", required=False,
                                      widget=forms.SelectMultiple(attrs={"size": 6}))

    def __init__(self, *args, areas: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas
        self.fields["rules"].choices = [(c, f"{c} {r.title}") for c, r in CATALOGUE.items()]
        self.fields["check_date"].initial = dt.date.today()
        self._style()


class ProblemFilterForm(BootstrapMixin, forms.Form):
    area = forms.CharField(required=False, widget=forms.HiddenInput)
    rule = forms.ChoiceField(label="规则", required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=[
        ("active", "待处理（待整改、豁免待审核）"), *Problem.Status.choices, ("all", "全部")])
    severity = forms.ChoiceField(label="级别", required=False, choices=[("", "全部"), *SEVERITIES.items()])
    level = forms.ChoiceField(label="层级", required=False, choices=[("", "全部"), *LEVELS.items()])
    mine = forms.BooleanField(label="只看我负责整改的", required=False)
    overdue = forms.BooleanField(label="只看已超期", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", "全部规则"), *[(c, f"{c} {r.title}") for c, r in CATALOGUE.items()]]
        self._style()


class ExemptionRequestForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="豁免理由", widget=forms.Textarea(attrs={"rows": 3}), min_length=5,
                             error_messages={"required": "请填写豁免理由", "min_length": "豁免理由至少5个字"},
                             help_text="说明数据为何属实，如“经入户核实，该成员确为在校研究生，年龄属实”")
    evidence = forms.FileField(label="佐证材料（照片或扫描件，可选）", required=False)

    def clean_evidence(self):
        f = self.cleaned_data.get("evidence")
        if f and f.size > 10 * 1024 * 1024:
            raise forms.ValidationError("佐证材料不能超过10MB")
        if f and not f.name.lower().endswith((".jpg", ".jpeg", ".png", ".pdf")):
            raise forms.ValidationError("佐证材料只能是 JPG、PNG 或 PDF 文件")
        return f


class ExemptionDecisionForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("approve", "同意豁免"), ("reject", "驳回")], widget=forms.RadioSelect,
                                 label="审核意见", error_messages={"required": "请选择审核意见：同意豁免或驳回"})
    comment = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RuleSettingForm(BootstrapMixin, forms.Form):
    """Built from the rule's parameters: one field per parameter, empty = inherit."""

    area = forms.ChoiceField(label="适用区划")
    year = forms.IntegerField(label="适用年度（0 = 各年度）", min_value=0, max_value=2100, initial=0,
                              error_messages={"invalid": "年度应为整数"})
    enabled = forms.BooleanField(label="启用该规则", required=False, initial=True)
    note = forms.CharField(label="说明", required=False, max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, rule, areas: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.fields["area"].choices = areas
        for p in rule.params:
            self.fields[f"p_{p.name}"] = forms.CharField(
                label=p.label, required=False,
                help_text=f"默认 {p.show(p.default)}" + (f"，范围 {p.minimum:g}—{p.maximum:g}" if p.minimum is not None
                                                         and p.maximum is not None else "") + "；留空则沿用上级设置")
        self._style()

    def param_values(self) -> dict:
        return {p.name: self.cleaned_data.get(f"p_{p.name}", "") for p in self.rule.params}
