"""Forms of the registry UI. They hold no business rules: the models' clean() and the services decide."""

from __future__ import annotations

import datetime as dt

from django import forms

from fupin.accounts.scoping import restrict
from fupin.areas.models import Area, VillageGroup
from fupin.core import codes
from fupin.core.forms import BootstrapMixin, MonthField, VersionedForm

from .models import Household, IncomeRecord, Member
from .services import STATUS_FIELDS

HOUSEHOLD_SECTIONS = [
    ("基本信息", ["village", "group", "number", "address", "phone", "bank_name", "bank_account", "gps_lng", "gps_lat"]),
    ("建档立卡信息", ["identification_standard", "attribute", "household_type", "year_identified", "year_exited",
                  "planned_exit_year", "returned_year", "returned_cause", "main_cause", "other_causes",
                  "is_military_martyr", "is_only_child", "is_two_daughters", "relocation", "no_labour_support"]),
    ("监测信息", ["monitor_kind", "risk_types", "monitor_identified_month", "risk_eliminated", "elimination_way",
              "eliminated_month"]),
    ("生产条件", ["land_cultivated", "land_irrigated", "land_forest", "land_returned", "land_orchard", "land_pasture",
              "land_water", "is_coop_member", "has_production_power"]),
    ("生活条件", ["road_distance_km", "entry_road", "entry_road_hardened", "housing_area", "dangerous_house",
              "has_living_power", "water_difficult", "water_safe", "main_fuel", "has_sanitary_toilet",
              "toilet_usable"]),
    ("“两不愁三保障”及饮水安全", ["food_secure", "clothing_secure", "education_secured", "medical_secured",
                          "housing_secured", "water_secured"]),
    ("备注", ["notes"]),
]
MEMBER_SECTIONS = [
    ("身份信息", ["name", "id_type", "id_number", "sex", "birth_date", "relationship", "ethnicity",
              "political_status", "phone"]),
    ("教育", ["education", "student_status", "not_in_school_reason", "dropout_reason"]),
    ("健康与劳动", ["health", "disability_category", "disability_grade", "disability_certificate", "labour_capacity",
               "work_status", "work_months", "work_place", "welfare_post", "welfare_post_months", "is_serviceman"]),
    ("保障", ["med_resident", "med_employee", "med_critical", "pension_resident", "pension_employee", "dibao",
            "tekun", "medical_assistance"]),
]
MEMBER_FIELDS = [f for _, fs in MEMBER_SECTIONS for f in fs]


def _sections(form, sections):
    return [(title, [form[f] for f in fields if f in form.fields]) for title, fields in sections]


class HouseholdForm(BootstrapMixin, forms.ModelForm):
    """Create (with status fields) or edit (without them: status changes only through procedures)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    monitor_identified_month = MonthField(label="识别监测时间", required=False)
    eliminated_month = MonthField(label="消除监测时间", required=False)

    class Meta:
        model = Household
        fields = [f for _, fs in HOUSEHOLD_SECTIONS for f in fs]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        villages = restrict(Area.objects.filter(level=5), user, "registry.add" if creating else "registry.change")
        self.fields["village"].queryset = villages.select_related("parent").order_by("code")
        self.fields["village"].label_from_instance = lambda a: f"{a.parent.name if a.parent else ''} {a.name}"
        village_code = self.data.get("village") or (self.instance.village_id if self.instance.pk else None)
        self.fields["group"].queryset = VillageGroup.objects.filter(village_id=village_code) if village_code \
            else VillageGroup.objects.none()
        self.fields["number"].required = False
        self.fields["number"].help_text = "留空则自动编号（行政村代码+4位顺序号）"
        if not creating:
            for f in STATUS_FIELDS | {"number", "village"}:
                self.fields.pop(f, None)
            self.fields["version"].initial = self.instance.version

    def sections(self):
        return _sections(self, HOUSEHOLD_SECTIONS)

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        return data

    def _post_clean(self):
        # Model validation runs in the service (with the database rules); the form only checks field formats.
        pass


class MemberForm(BootstrapMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Member
        fields = MEMBER_FIELDS

    def __init__(self, *args, prefix_head: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["birth_date"].required = False
        self.fields["sex"].required = False
        self.fields["birth_date"].help_text = "居民身份证号码可自动带出出生日期和性别"
        if prefix_head:
            self.fields.pop("relationship")
            self.fields.pop("version")
        elif self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def sections(self):
        return _sections(self, MEMBER_SECTIONS)

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}

    def _post_clean(self):
        pass


class MemberAddForm(MemberForm):
    joined_reason = forms.ChoiceField(label="增加原因", choices=[("", "---------"), *codes.choices("member_increase_reason")])
    joined_date = forms.DateField(label="增加日期", initial=dt.date.today)

    def service_data(self) -> dict:
        return {k: v for k, v in super().service_data().items() if k not in ("joined_reason", "joined_date")}


class MemberRemoveForm(VersionedForm):
    left_reason = forms.ChoiceField(label="减少原因", choices=[("", "---------"), *codes.choices("member_decrease_reason")])
    left_date = forms.DateField(label="减少日期", initial=dt.date.today)
    left_note = forms.CharField(label="说明", required=False, max_length=200)
    new_head = forms.ModelChoiceField(label="新户主", queryset=Member.objects.none(), required=False,
                                      help_text="减少户主时必须指定新户主")

    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = member.version
        if member.is_head:
            self.fields["new_head"].queryset = member.household.members.filter(is_active=True).exclude(pk=member.pk)
            self.fields["new_head"].required = True
        else:
            self.fields.pop("new_head")
        self._style()

    def clean_left_date(self):
        value = self.cleaned_data["left_date"]
        if value > dt.date.today():
            raise forms.ValidationError("减少日期不能晚于今天")
        return value


class HouseholdCancelForm(VersionedForm):
    reason = forms.ChoiceField(label="销户原因", choices=[("", "---------"), *codes.choices("household_cancel_reason")])
    date = forms.DateField(label="销户日期", initial=dt.date.today)

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = household.version
        self._style()


class IncomeForm(BootstrapMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = IncomeRecord
        fields = ["year", "wage", "operating", "property", "transfer", *IncomeRecord.TRANSFER_PARTS,
                  "production_expenses", "medical_out_of_pocket", "household_size"]

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["year"].disabled = True
            self.fields["version"].initial = self.instance.version
        else:
            self.fields["household_size"].initial = household.size
            self.fields["year"].initial = dt.date.today().year - 1
        self.fields["household_size"].help_text = f"当前在户{household.size}人"

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "year")}

    def _post_clean(self):
        pass
