"""A staged import: the uploaded file, its validation report and its load."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        VALIDATING = "validating", "校验中"
        VALIDATED = "validated", "已校验，待确认"
        INVALID = "invalid", "无法导入"
        LOADING = "loading", "导入中"
        LOADED = "loaded", "已导入"
        FAILED = "failed", "导入失败"
        CANCELLED = "cancelled", "已取消"

    class Format(models.TextChoices):
        """What the file holds (``services.layout_of`` turns it into an import layout)."""

        AUTO = "auto", "自动识别"
        TEMPLATE = "template", "本系统模板"
        NATIONAL = "national", "国家系统导出（监测对象/基础信息）"
        LIVING = "living", "国家系统导出（乡村建设）户信息"
        WORK_ACTUAL = "work-actual", "国家系统导出（务工月监测）已外出务工信息"
        WORK_PLANNED = "work-planned", "国家系统导出（务工月监测）计划外出务工信息"
        VILLAGES = "villages", "（自定义）行政村信息"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    original_name = models.CharField("文件名", max_length=200)
    stored_path = models.CharField(max_length=500)
    format = models.CharField("文件内容", max_length=20, choices=Format.choices, default=Format.AUTO)
    income_year = models.PositiveSmallIntegerField("收入年度", null=True, blank=True)
    skip_bad_rows = models.BooleanField("跳过有错误的户", default=False)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.VALIDATING)
    message = models.CharField("说明", max_length=500, blank=True)
    report = models.JSONField("校验结果", default=dict, blank=True)
    result = models.JSONField("导入结果", default=dict, blank=True)
    errors_path = models.CharField(max_length=500, blank=True)
    validate_job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    load_job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"

    def __str__(self):
        return f"{self.original_name}（{self.get_status_display()}）"

    @property
    def is_busy(self) -> bool:
        return self.status in (self.Status.VALIDATING, self.Status.LOADING)

    @property
    def can_load(self) -> bool:
        report = self.report or {}
        return self.status == self.Status.VALIDATED and (not report.get("error_rows") or self.skip_bad_rows
                                                          or report.get("loadable_households", 0) > 0)
