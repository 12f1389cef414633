"""Households (户), members (成员), yearly incomes and work records: the 建档立卡 / 监测对象 registry.

Coded fields store codes of the lists in ``fupin/config/codelists.yaml``. Writes go through ``services``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from fupin.core import codes, idnumber, phone
from fupin.core.fields import MultiCodeField
from fupin.core.models import ChangeLoggedModel

HEAD = "01"
ID_CARD = "1"


def validate_phone(value: str) -> None:
    try:
        phone.validate(value)
    except ValueError as exc:
        raise ValidationError(str(exc), code="phone") from None


def validate_bank_account(value: str) -> None:
    digits = value.replace(" ", "")
    if digits and (not digits.isdigit() or not 8 <= len(digits) <= 30):
        raise ValidationError("银行账号应为8至30位数字", code="bank_account")


def validate_year(value: int) -> None:
    if value is not None and not 1980 <= value <= dt.date.today().year + 5:
        raise ValidationError(f"年度{value}不在合理范围内（1980—{dt.date.today().year + 5}）", code="year")


def code_field(verbose: str, code_list: str, *, blank: bool = True, **kwargs) -> models.CharField:
    return models.CharField(verbose, max_length=4, blank=blank, choices=codes.choices_of(code_list), **kwargs)


def area_field(verbose: str) -> models.DecimalField:
    return models.DecimalField(verbose, max_digits=9, decimal_places=2, null=True, blank=True,
                               validators=[MinValueValidator(Decimal("0"))])


def money_field(verbose: str, **kwargs) -> models.DecimalField:
    kwargs.setdefault("default", Decimal("0"))
    return models.DecimalField(verbose, max_digits=12, decimal_places=2, **kwargs)


def yes_no(verbose: str) -> models.BooleanField:
    return models.BooleanField(verbose, null=True, blank=True)


class Household(ChangeLoggedModel):
    # Identity and place
    # Collation "C" on PostgreSQL (migration 0005, fupin.core.collation): re-apply after a type change.
    number = models.CharField("户编号", max_length=32, unique=True)
    # Indexed as the first column of the (village, …) indexes in Meta; its own index would repeat them.
    village = models.ForeignKey("areas.Area", verbose_name="行政村", on_delete=models.PROTECT, related_name="households",
                                db_index=False)
    group = models.ForeignKey("areas.VillageGroup", verbose_name="村民小组(屯)", on_delete=models.PROTECT,
                              null=True, blank=True, related_name="households")
    address = models.CharField("住址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[validate_phone])
    bank_name = models.CharField("开户银行", max_length=60, blank=True)
    bank_account = models.CharField("银行账号", max_length=40, blank=True, validators=[validate_bank_account])
    gps_lng = models.DecimalField("门牌经度", max_digits=10, decimal_places=6, null=True, blank=True,
                                  validators=[MinValueValidator(Decimal("73")), MaxValueValidator(Decimal("136"))])
    gps_lat = models.DecimalField("门牌纬度", max_digits=10, decimal_places=6, null=True, blank=True,
                                  validators=[MinValueValidator(Decimal("3")), MaxValueValidator(Decimal("54"))])

    # Registration (建档立卡) and status
    identification_standard = code_field("识别标准", "identification_standard")
    attribute = code_field("贫困户属性", "household_attribute")
    household_type = code_field("户类型", "household_type", blank=False)
    year_identified = models.PositiveSmallIntegerField("识别年度", null=True, blank=True, validators=[validate_year])
    year_exited = models.PositiveSmallIntegerField("脱贫年度", null=True, blank=True, validators=[validate_year])
    planned_exit_year = models.PositiveSmallIntegerField("计划脱贫年度", null=True, blank=True, validators=[validate_year])
    returned_year = models.PositiveSmallIntegerField("返贫年度", null=True, blank=True, validators=[validate_year])
    returned_cause = code_field("返贫原因", "poverty_cause")
    main_cause = code_field("主要致贫原因", "poverty_cause")
    other_causes = MultiCodeField("其他致贫原因", code_list="poverty_cause")
    is_military_martyr = models.BooleanField("军烈属", default=False)
    is_only_child = models.BooleanField("独生子女户", default=False)
    is_two_daughters = models.BooleanField("双女户", default=False)
    relocation = code_field("易地扶贫搬迁", "relocation")
    no_labour_support = models.BooleanField("整户无劳动能力兜底保障户", default=False)

    # Monitoring (防返贫监测)
    monitor_kind = code_field("监测对象类别", "monitor_kind")
    risk_types = MultiCodeField("致贫/返贫风险", code_list="risk_type", max_items=5)
    monitor_identified_month = models.DateField("识别监测时间", null=True, blank=True,
                                                help_text="按月记录，保存为当月1日")
    risk_eliminated = models.BooleanField("风险是否已消除", default=False)
    elimination_way = code_field("风险消除方式", "elimination_way")
    eliminated_month = models.DateField("消除监测时间", null=True, blank=True)

    # Production conditions (生产条件)
    land_cultivated = area_field("耕地面积(亩)")
    land_irrigated = area_field("其中有效灌溉面积(亩)")
    land_forest = area_field("林地面积(亩)")
    land_returned = area_field("退耕还林面积(亩)")
    land_orchard = area_field("林果面积(亩)")
    land_pasture = area_field("牧草地面积(亩)")
    land_water = area_field("水面面积(亩)")
    is_coop_member = yes_no("是否加入农民专业合作社")
    has_production_power = yes_no("是否通生产用电")

    # Living conditions (生活条件)
    road_distance_km = models.DecimalField("与村主干路距离(公里)", max_digits=7, decimal_places=2, null=True, blank=True,
                                           validators=[MinValueValidator(Decimal("0"))])
    entry_road = code_field("入户路类型", "entry_road")
    entry_road_hardened = yes_no("入户道路是否硬化")
    housing_area = area_field("住房面积(平方米)")
    dangerous_house = code_field("是否危房户", "dangerous_house")
    has_living_power = yes_no("是否通生活用电")
    water_difficult = yes_no("饮水是否困难")
    water_safe = yes_no("是否解决安全饮用水")
    main_fuel = code_field("主要燃料类型", "main_fuel")
    has_sanitary_toilet = yes_no("是否有卫生厕所")
    toilet_usable = yes_no("卫生厕所是否能正常使用")

    # 两不愁三保障 + 饮水安全
    food_secure = yes_no("不愁吃")
    clothing_secure = yes_no("不愁穿")
    education_secured = yes_no("义务教育有保障")
    medical_secured = yes_no("基本医疗有保障")
    housing_secured = yes_no("住房安全有保障")
    water_secured = yes_no("饮水安全有保障")

    # Whole-household cancellation (自然销户)
    is_active = models.BooleanField("在册", default=True)
    cancel_reason = code_field("销户原因", "household_cancel_reason")
    cancel_date = models.DateField("销户日期", null=True, blank=True)

    notes = models.TextField("备注", blank=True)
    # Values from imported files that have no field yet, kept so that nothing in a file is lost.
    extra = models.JSONField("其他导入信息", default=dict, blank=True)

    # Summary kept by the services (not edited directly): they make the list page filter and sort on 300k rows
    # without joining members and incomes. Excluded from the change log (they follow from logged changes).
    head_name = models.CharField("户主姓名", max_length=50, blank=True, db_index=True, editable=False)
    head_id_number = models.CharField("户主证件号码", max_length=18, blank=True, editable=False)
    size = models.PositiveSmallIntegerField("家庭人口", default=0, editable=False)
    income_year = models.PositiveSmallIntegerField("收入年度", null=True, blank=True, editable=False)
    per_capita_income = models.DecimalField("人均纯收入(元)", max_digits=12, decimal_places=2, null=True, blank=True,
                                            editable=False)

    changelog_exclude = ChangeLoggedModel.changelog_exclude + (
        "head_name", "head_id_number", "size", "income_year", "per_capita_income",
    )
    scope_app = "registry"
    scope_field = "village_id"

    class Meta:
        ordering = ["number"]
        indexes = [
            models.Index(fields=["village", "household_type"], name="hh_village_type"),
            models.Index(fields=["household_type", "monitor_kind"], name="hh_type_kind"),
            models.Index(fields=["village", "per_capita_income"], name="hh_village_income"),
        ]
        verbose_name = "农户"
        verbose_name_plural = "农户"

    def __str__(self):
        return f"{self.number} {self.head_name}".strip()

    def changelog_scope(self):
        return self.pk, self.village_id

    @property
    def is_monitored(self) -> bool:
        return bool(self.monitor_kind)

    @property
    def type_colour(self) -> str:
        return codes.get("household_type").attr(self.household_type, "colour", "grey")

    def clean(self):
        errors: dict[str, list[str]] = {}
        if self.village_id and getattr(self, "village", None) and self.village.level != 5:
            errors.setdefault("village", []).append("农户必须属于行政村（第5级区划）")
        if self.group_id and self.village_id and self.group.village_id != self.village_id:
            errors.setdefault("group", []).append("所选村民小组不属于该行政村")
        if self.household_type == "3" and not self.monitor_kind:
            errors.setdefault("monitor_kind", []).append("户类型为监测户时必须填写监测对象类别")
        if self.monitor_kind == "1" and self.household_type not in ("2", ""):
            errors.setdefault("monitor_kind", []).append("脱贫不稳定户的户类型应为脱贫户")
        if self.monitor_kind:
            if not self.monitor_identified_month:
                errors.setdefault("monitor_identified_month", []).append("监测对象必须填写识别监测时间")
            if not self.risk_types:
                errors.setdefault("risk_types", []).append("监测对象至少填写一项致贫/返贫风险")
        else:
            for f in ("risk_eliminated", "elimination_way", "eliminated_month"):
                if getattr(self, f):
                    errors.setdefault(f, []).append("非监测对象不应填写风险消除信息")
        if self.risk_eliminated:
            if not self.elimination_way:
                errors.setdefault("elimination_way", []).append("风险已消除时必须填写消除方式")
            if not self.eliminated_month:
                errors.setdefault("eliminated_month", []).append("风险已消除时必须填写消除监测时间")
        elif self.elimination_way or self.eliminated_month:
            errors.setdefault("risk_eliminated", []).append("填写了消除方式或消除时间，但风险未标记为已消除")
        if (self.eliminated_month and self.monitor_identified_month
                and self.eliminated_month < self.monitor_identified_month):
            errors.setdefault("eliminated_month", []).append("消除监测时间不能早于识别监测时间")
        if self.year_exited and self.year_identified and self.year_exited < self.year_identified:
            errors.setdefault("year_exited", []).append("脱贫年度不能早于识别年度")
        if self.household_type == "2" and not self.year_exited:
            errors.setdefault("year_exited", []).append("脱贫户必须填写脱贫年度")
        if (self.land_irrigated is not None and self.land_cultivated is not None
                and self.land_irrigated > self.land_cultivated):
            errors.setdefault("land_irrigated", []).append("有效灌溉面积不能大于耕地面积")
        for f in ("monitor_identified_month", "eliminated_month"):
            value = getattr(self, f)
            if value and value.day != 1:
                setattr(self, f, value.replace(day=1))
        if not self.is_active and not self.cancel_reason:
            errors.setdefault("cancel_reason", []).append("销户必须填写原因")
        if errors:
            raise ValidationError(errors)


class Member(ChangeLoggedModel):
    # Indexed as the first column of member_household_active (Meta).
    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.PROTECT, related_name="members",
                                  db_index=False)
    name = models.CharField("姓名", max_length=50)
    id_type = code_field("证件类型", "id_type", blank=False, default=ID_CARD)
    # Collation "C" on PostgreSQL (migration 0005, fupin.core.collation): re-apply after a type change.
    id_number = models.CharField("证件号码", max_length=20, blank=True)
    sex = code_field("性别", "sex", blank=False)
    birth_date = models.DateField("出生日期")
    relationship = code_field("与户主关系", "relationship", blank=False)
    ethnicity = code_field("民族", "ethnicity")
    political_status = code_field("政治面貌", "political_status")
    education = code_field("文化程度", "education")
    student_status = code_field("在校生状况", "student_status")
    not_in_school_reason = code_field("义务教育阶段未上学原因", "not_in_school_reason")
    dropout_reason = code_field("失学或辍学原因", "dropout_reason")
    health = code_field("健康状况", "health")
    disability_category = code_field("残疾类别", "disability_category")
    disability_grade = code_field("残疾等级", "disability_grade")
    disability_certificate = models.CharField("残疾证号", max_length=30, blank=True)
    labour_capacity = code_field("劳动技能", "labour_capacity")
    work_status = code_field("务工状况", "work_status")
    work_months = models.PositiveSmallIntegerField("务工时间(月)", null=True, blank=True,
                                                   validators=[MaxValueValidator(12)])
    work_place = models.CharField("务工所在地", max_length=100, blank=True)
    welfare_post = models.BooleanField("公益性岗位", default=False)
    welfare_post_months = models.PositiveSmallIntegerField("公益性岗位(月数)", null=True, blank=True,
                                                           validators=[MaxValueValidator(12)])
    med_resident = yes_no("是否参加城乡居民基本医疗保险")
    med_employee = yes_no("是否参加城镇职工基本医疗保险")
    med_critical = yes_no("是否参加大病保险")
    pension_resident = yes_no("是否参加城乡居民基本养老保险")
    pension_employee = yes_no("是否参加城镇职工基本养老保险")
    dibao = code_field("享受低保政策情况", "dibao")
    tekun = code_field("享受特困供养政策情况", "tekun")
    medical_assistance = yes_no("是否享受医疗救助")
    is_serviceman = models.BooleanField("是否现役军人", default=False)
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[validate_phone])

    # Membership history (家庭成员自然增减): a member who leaves is kept, marked inactive with reason and date.
    is_active = models.BooleanField("在户", default=True)
    joined_reason = code_field("增加原因", "member_increase_reason")
    joined_date = models.DateField("增加日期", null=True, blank=True)
    left_reason = code_field("减少原因", "member_decrease_reason")
    left_date = models.DateField("减少日期", null=True, blank=True)
    left_note = models.CharField("减少说明", max_length=200, blank=True)

    extra = models.JSONField("其他导入信息", default=dict, blank=True)

    scope_app = "registry"
    scope_field = "household__village_id"

    class Meta:
        ordering = ["household", "-is_active", "relationship", "birth_date"]
        indexes = [
            models.Index(fields=["name"], name="member_name"),
            models.Index(fields=["id_number"], name="member_id_number"),
            models.Index(fields=["household", "is_active"], name="member_household_active"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"], condition=Q(is_active=True) & ~Q(id_number=""),
                name="uniq_active_id_number",
                violation_error_message="该证件号码已在其他农户中登记为在户成员（一个证件号码只能在一个在册户中）",
            ),
            models.UniqueConstraint(
                fields=["household"], condition=Q(is_active=True, relationship=HEAD),
                name="one_head_per_household",
                violation_error_message="一户只能有一名户主",
            ),
        ]
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"

    def __str__(self):
        return self.name

    def changelog_scope(self):
        return self.household_id, self.household.village_id

    @property
    def is_head(self) -> bool:
        return self.relationship == HEAD

    def age_on(self, on: dt.date) -> int | None:
        return idnumber.age_on(self.birth_date, on) if self.birth_date else None

    def clean_fields(self, exclude=None):
        # Birth date and sex follow from a resident ID number when left empty: fill them before the
        # required-field checks run.
        self.id_number = idnumber.normalize(self.id_number)
        self.name = (self.name or "").strip()
        if self.id_type == ID_CARD and self.id_number and (not self.birth_date or not self.sex):
            try:
                info = idnumber.parse(self.id_number)
            except idnumber.IdNumberError:
                pass
            else:
                self.birth_date = self.birth_date or info.birth_date
                self.sex = self.sex or info.sex
        super().clean_fields(exclude=exclude)

    def clean(self):
        errors: dict[str, list[str]] = {}
        if self.id_type == ID_CARD:
            if not self.id_number:
                errors.setdefault("id_number", []).append("证件类型为居民身份证时必须填写证件号码")
            else:
                try:
                    info = idnumber.parse(self.id_number)
                except idnumber.IdNumberError as exc:
                    errors.setdefault("id_number", []).append(exc.message)
                else:
                    if self.birth_date and self.birth_date != info.birth_date:
                        errors.setdefault("birth_date", []).append(
                            f"出生日期与证件号码不一致（证件号码中为{info.birth_date:%Y-%m-%d}）")
                    if self.sex and self.sex != info.sex:
                        errors.setdefault("sex", []).append(
                            f"性别与证件号码不一致（证件号码第17位表示{codes.label('sex', info.sex)}）")
        if self.birth_date and self.birth_date > dt.date.today():
            errors.setdefault("birth_date", []).append("出生日期不能晚于今天")
        if self.health == "4" and not self.disability_category:
            errors.setdefault("disability_category", []).append("健康状况为残疾时请填写残疾类别")
        if self.health != "4" and (self.disability_category or self.disability_grade):
            errors.setdefault("health", []).append("填写了残疾类别或等级，健康状况应为残疾")
        if self.welfare_post_months and not self.welfare_post:
            errors.setdefault("welfare_post", []).append("填写了公益性岗位月数，但未选择公益性岗位")
        if not self.is_active and not self.left_reason:
            errors.setdefault("left_reason", []).append("成员减少必须填写原因")
        if self.left_date and self.joined_date and self.left_date < self.joined_date:
            errors.setdefault("left_date", []).append("减少日期不能早于增加日期")
        if errors:
            raise ValidationError(errors)


class IncomeRecord(ChangeLoggedModel):
    """A household's income for one year (the income year may run October to September)."""

    # Indexed as the first column of uniq_income_year (Meta).
    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.PROTECT, related_name="incomes",
                                  db_index=False)
    year = models.PositiveSmallIntegerField("年度", validators=[validate_year])
    wage = money_field("工资性收入")
    operating = money_field("生产经营性收入")
    property = money_field("财产性收入")
    transfer = money_field("转移性收入")
    # Parts of the transfer income, where known.
    family_planning = money_field("计划生育金", null=True, blank=True, default=None)
    dibao_income = money_field("低保金", null=True, blank=True, default=None)
    tekun_income = money_field("特困供养金", null=True, blank=True, default=None)
    pension_income = money_field("养老保险金", null=True, blank=True, default=None)
    eco_compensation = money_field("生态补偿金", null=True, blank=True, default=None)
    other_transfer = money_field("其他转移性收入", null=True, blank=True, default=None)
    production_expenses = money_field("生产经营性支出")
    medical_out_of_pocket = money_field("合规自付支出")
    household_size = models.PositiveSmallIntegerField("家庭人口数", validators=[MinValueValidator(1)])
    # Computed by compute(): net = incomes − production expenses; per capita = net / household size.
    net_income = money_field("家庭纯收入", editable=False)
    per_capita_income = money_field("人均纯收入", editable=False)

    TRANSFER_PARTS = ("family_planning", "dibao_income", "tekun_income", "pension_income", "eco_compensation",
                      "other_transfer")
    INCOME_FIELDS = ("wage", "operating", "property", "transfer")

    scope_app = "registry"
    scope_field = "household__village_id"

    class Meta:
        ordering = ["household", "-year"]
        constraints = [models.UniqueConstraint(fields=["household", "year"], name="uniq_income_year",
                                               violation_error_message="该户该年度的收入已登记，请修改原记录")]
        verbose_name = "收入信息"
        verbose_name_plural = "收入信息"

    def __str__(self):
        return f"{self.year}年收入"

    def changelog_scope(self):
        return self.household_id, self.household.village_id

    def compute(self) -> None:
        total = sum((getattr(self, f) or Decimal("0")) for f in self.INCOME_FIELDS)
        self.net_income = (total - (self.production_expenses or Decimal("0"))).quantize(Decimal("0.01"))
        if self.household_size:
            self.per_capita_income = (self.net_income / self.household_size).quantize(Decimal("0.01"))

    def clean(self):
        errors: dict[str, list[str]] = {}
        for f in (*self.INCOME_FIELDS, "production_expenses", "medical_out_of_pocket", *self.TRANSFER_PARTS):
            value = getattr(self, f)
            if value is not None and value < 0:
                errors.setdefault(f, []).append("金额不能为负数")
        parts = [getattr(self, f) for f in self.TRANSFER_PARTS if getattr(self, f) is not None]
        if parts and sum(parts) > (self.transfer or 0):
            errors.setdefault("transfer", []).append(
                f"转移性收入（{self.transfer}）小于其各项明细之和（{sum(parts)}）")
        if errors:
            raise ValidationError(errors)
        self.compute()


class WorkRecord(ChangeLoggedModel):
    """务工: a period of work (done or planned) of a member."""

    class Kind(models.TextChoices):
        ACTUAL = "actual", "已外出务工"
        PLANNED = "planned", "计划外出务工"

    member = models.ForeignKey(Member, verbose_name="成员", on_delete=models.PROTECT, related_name="work_records")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.ACTUAL)
    place = models.CharField("务工所在地", max_length=100, blank=True)
    county = models.CharField("务工所在县", max_length=100, blank=True)
    channel = code_field("就业渠道", "employment_channel")
    start_month = models.DateField("务工开始时间", null=True, blank=True)
    end_month = models.DateField("务工结束时间", null=True, blank=True)
    monthly_income = money_field("月收入(元)", null=True, blank=True, default=None)
    transport_subsidy = money_field("年度交通费补助(元)", null=True, blank=True, default=None)
    need = models.CharField("务工需求", max_length=200, blank=True)

    scope_app = "registry"
    scope_field = "member__household__village_id"

    class Meta:
        ordering = ["member", "start_month"]
        verbose_name = "务工信息"
        verbose_name_plural = "务工信息"

    def __str__(self):
        return f"{self.get_kind_display()} {self.place}".strip()

    def changelog_scope(self):
        return self.member.household_id, self.member.household.village_id

    def clean(self):
        if self.start_month and self.end_month and self.end_month < self.start_month:
            raise ValidationError({"end_month": ["务工结束时间不能早于开始时间"]})


class ImportDigest(models.Model):
    """The digest of the values an import last wrote or confirmed for a row, taken together with the row's
    ``version`` (``fupin.imports.engine.digest``). A re-import whose values hash to the stored digest at the
    row's current version leaves the row alone without reading its columns back. Every other write bumps
    ``version``, which makes a stale digest miss: no write path has to clear it.

    Kept beside the registry rather than in it: confirming a million unchanged rows (the first re-import after
    an upgrade, or of a file with other columns) rewrites these narrow rows in seconds, where updating a column
    of the wide, many-indexed registry rows took a minute on PostgreSQL."""

    digest = models.BigIntegerField("导入摘要")

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.pk}: {self.digest}"


class HouseholdDigest(ImportDigest):
    household = models.OneToOneField(Household, primary_key=True, on_delete=models.CASCADE, related_name="+")


class MemberDigest(ImportDigest):
    member = models.OneToOneField(Member, primary_key=True, on_delete=models.CASCADE, related_name="+")


class IncomeDigest(ImportDigest):
    income = models.OneToOneField(IncomeRecord, primary_key=True, on_delete=models.CASCADE, related_name="+")
