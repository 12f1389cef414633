"""Base models and the cross-cutting records: change log, access log (reveals and exports) and jobs."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class ChangeLoggedModel(models.Model):
    """Created/updated stamps and a ``version`` for optimistic locking.

    Writes go through services (see ``fupin.core.changes``), which bump ``version`` with a conditional UPDATE and
    write an :class:`ObjectChange`; a stale version is refused instead of overwriting someone else's edit.
    """

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # No index on the stamps' users: nothing looks records up by them (the change log answers "who changed
    # what"), and on the registry's million-row tables each index costs every bulk load and every write.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="更新人", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False,
    )
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    # Fields never written into the change log's snapshots (stamps, denormalised summaries).
    changelog_exclude: tuple[str, ...] = ("created_at", "updated_at", "created_by", "updated_by", "version")

    class Meta:
        abstract = True


class ObjectChange(models.Model):
    """One write to one object: who, when, under which request or job, and the data before and after."""

    class Action(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"

    time = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    user_name = models.CharField("操作人", max_length=150, blank=True)
    request_id = models.UUIDField("请求编号", null=True, blank=True, db_index=True)
    job_id = models.UUIDField("任务编号", null=True, blank=True, db_index=True)
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    # Indexed as the first column of (content_type, object_id) below; a single-column index would repeat it.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_index=False)
    # Collation "C" on PostgreSQL (migration 0003, fupin.core.collation): re-apply after a type change.
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField("对象", max_length=200)
    # The household a change belongs to (the household itself, a member, an income record ...), for its history page.
    household_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # Area code of the object (village for registry objects): history is scoped like everything else.
    area_code = models.CharField(max_length=12, blank=True, db_index=True)
    summary = models.CharField("说明", max_length=200, blank=True)
    prechange_data = models.JSONField(null=True, blank=True)
    postchange_data = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name = "变更记录"
        verbose_name_plural = "变更记录"

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}"

    @property
    def diff(self) -> list[tuple[str, object, object]]:
        before = self.prechange_data or {}
        after = self.postchange_data or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class AccessLog(models.Model):
    """Reveals of personal data and exports: who saw or took what."""

    class Action(models.TextChoices):
        REVEAL = "reveal", "查看敏感信息"
        EXPORT = "export", "导出"
        PRINT = "print", "打印"
        API = "api", "接口读取敏感信息"

    time = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    user_name = models.CharField("用户", max_length=150, blank=True)
    request_id = models.UUIDField(null=True, blank=True)
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    object_type = models.CharField("对象类型", max_length=50, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    area_code = models.CharField(max_length=12, blank=True, db_index=True)
    fields = models.CharField("字段", max_length=200, blank=True)
    row_count = models.PositiveIntegerField("行数", null=True, blank=True)
    unmasked = models.BooleanField("含未脱敏信息", default=False)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-time", "-id"]
        verbose_name = "访问日志"
        verbose_name_plural = "访问日志"

    def __str__(self):
        return f"{self.user_name} {self.get_action_display()} {self.object_type} {self.object_id}"


class Job(models.Model):
    """Long work (imports, seeding, rule runs, exports): status, progress, log and result."""

    class Status(models.TextChoices):
        PENDING = "pending", "等待中"
        RUNNING = "running", "运行中"
        SUCCEEDED = "succeeded", "已完成"
        FAILED = "failed", "失败"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("类型", max_length=40)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    area_code = models.CharField(max_length=12, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField("进度", default=0)
    message = models.CharField("说明", max_length=500, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "任务"
        verbose_name_plural = "任务"

    def __str__(self):
        return f"{self.kind} {self.get_status_display()}"
