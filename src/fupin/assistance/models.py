"""Helpers (帮扶责任人) and their households. Measures, tickets and handbooks come with the assistance issue."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fupin.core.models import ChangeLoggedModel
from fupin.registry.models import validate_phone


class Helper(ChangeLoggedModel):
    name = models.CharField("姓名", max_length=50)
    unit = models.CharField("帮扶单位(后盾单位)", max_length=100)
    post = models.CharField("职务", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[validate_phone])
    area = models.ForeignKey("areas.Area", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="系统用户", on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="helper")

    scope_app = "registry"
    scope_field = "area_id"

    class Meta:
        ordering = ["unit", "name"]
        verbose_name = "帮扶责任人"
        verbose_name_plural = "帮扶责任人"

    def __str__(self):
        return f"{self.name}（{self.unit}）"

    def changelog_scope(self):
        return None, self.area_id


class HelperAssignment(ChangeLoggedModel):
    helper = models.ForeignKey(Helper, verbose_name="帮扶责任人", on_delete=models.PROTECT, related_name="assignments")
    household = models.ForeignKey("registry.Household", verbose_name="农户", on_delete=models.PROTECT,
                                  related_name="helper_assignments")
    start_date = models.DateField("开始帮扶日期")
    end_date = models.DateField("结束帮扶日期", null=True, blank=True)

    scope_app = "registry"
    scope_field = "household__village_id"

    class Meta:
        ordering = ["household", "-start_date"]
        indexes = [models.Index(fields=["household", "end_date"], name="helper_assign_current")]
        verbose_name = "结对帮扶"
        verbose_name_plural = "结对帮扶"

    def __str__(self):
        return f"{self.helper} → {self.household}"

    def changelog_scope(self):
        return self.household_id, self.household.village_id
