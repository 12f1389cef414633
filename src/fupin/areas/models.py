from __future__ import annotations

from django.db import models

from fupin.core import codes as codelists
from fupin.core.models import ChangeLoggedModel

from . import codes


class Area(ChangeLoggedModel):
    """A division (province, city, county, township, village) keyed by its 12-digit statistical code."""

    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=100, db_index=True)
    level = models.PositiveSmallIntegerField("级别", choices=codelists.choices_of("area_level"))
    parent = models.ForeignKey(
        "self", verbose_name="上级区划", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    is_poverty_county = models.BooleanField("贫困县", default=False)
    is_poverty_village = models.BooleanField("贫困村", default=False)
    poverty_exit_year = models.PositiveSmallIntegerField("摘帽/出列年度", null=True, blank=True)

    scope_app = "areas"
    scope_field = "code"

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "code"])]
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"

    def __str__(self):
        return self.name

    def changelog_scope(self):
        return None, self.code

    @property
    def prefix(self) -> str:
        return codes.prefix(self.code, self.level)

    @property
    def subtree_range(self) -> tuple[str, str]:
        return codes.subtree_range(self.code)

    @property
    def is_village(self) -> bool:
        return self.level == 5

    def ancestor_codes(self) -> list[str]:
        return codes.ancestors(self.code)

    @property
    def level_label(self) -> str:
        return codelists.label("area_level", str(self.level))


class VillageGroup(ChangeLoggedModel):
    """村民小组 / 自然屯 under a village."""

    village = models.ForeignKey(Area, verbose_name="行政村", on_delete=models.PROTECT, related_name="groups")
    name = models.CharField("组(屯)名称", max_length=50)
    sort = models.PositiveSmallIntegerField("排序", default=0)

    scope_app = "areas"
    scope_field = "village_id"

    class Meta:
        ordering = ["village", "sort", "name"]
        constraints = [models.UniqueConstraint(fields=["village", "name"], name="uniq_group_name_in_village")]
        verbose_name = "村民小组"
        verbose_name_plural = "村民小组"

    def __str__(self):
        return self.name

    def changelog_scope(self):
        return None, self.village_id


class VillageProfile(ChangeLoggedModel):
    """行政村信息表: recorded figures and indicators of a village (registry counts are computed, not stored)."""

    village = models.OneToOneField(Area, verbose_name="行政村", on_delete=models.PROTECT, primary_key=True,
                                   related_name="profile")
    is_exited = models.BooleanField("是否出列", default=False)
    total_households = models.PositiveIntegerField("总户数", null=True, blank=True)
    total_population = models.PositiveIntegerField("总人口数", null=True, blank=True)
    dibao_persons = models.PositiveIntegerField("低保人数", null=True, blank=True)
    tekun_persons = models.PositiveIntegerField("特困供养人数", null=True, blank=True)
    disabled_persons = models.PositiveIntegerField("残疾人数", null=True, blank=True)
    dangerous_houses = models.PositiveIntegerField("危房户数", null=True, blank=True)
    collective_income = models.DecimalField("村集体经济收入(万元)", max_digits=12, decimal_places=2, null=True, blank=True)
    has_featured_industry = models.BooleanField("有特色产业", null=True, blank=True)
    has_hardened_road = models.BooleanField("通硬化路", null=True, blank=True)
    has_bus = models.BooleanField("通客运班车", null=True, blank=True)
    has_power = models.BooleanField("通动力电", null=True, blank=True)
    has_broadband = models.BooleanField("通宽带", null=True, blank=True)
    has_clinic = models.BooleanField("有标准化卫生室", null=True, blank=True)
    has_doctor = models.BooleanField("有合格村医", null=True, blank=True)
    has_school = models.BooleanField("有小学或教学点", null=True, blank=True)
    has_service_center = models.BooleanField("有综合服务设施", null=True, blank=True)
    has_tv = models.BooleanField("通广播电视", null=True, blank=True)
    sanitary_toilet_rate = models.DecimalField("卫生厕所普及率(%)", max_digits=5, decimal_places=2, null=True, blank=True)
    first_secretary = models.CharField("第一书记", max_length=50, blank=True)
    first_secretary_phone = models.CharField("第一书记电话", max_length=20, blank=True)
    work_team = models.CharField("驻村工作队", max_length=200, blank=True)

    scope_app = "areas"
    scope_field = "village_id"

    class Meta:
        verbose_name = "行政村信息"
        verbose_name_plural = "行政村信息"

    def __str__(self):
        return f"{self.village}信息"

    def changelog_scope(self):
        return None, self.village_id
