from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from fupin.core import codes as codelists
from fupin.core.models import ChangeLoggedModel


class User(AbstractUser):
    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    unit = models.CharField("单位", max_length=100, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class Role(models.Model):
    """A role and its permissions; synced from ``fupin/config/roles.yaml`` after every migrate."""

    code = models.CharField("代码", max_length=40, primary_key=True)
    name = models.CharField("名称", max_length=50)
    description = models.CharField("说明", max_length=200, blank=True)
    permissions = models.JSONField("权限", default=list)

    class Meta:
        ordering = ["code"]
        verbose_name = "角色"
        verbose_name_plural = "角色"

    def __str__(self):
        return self.name


class RoleAssignment(ChangeLoggedModel):
    """A user holds a role in an area; permissions apply inside that area's subtree."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="assignments")
    role = models.ForeignKey(Role, verbose_name="角色", on_delete=models.PROTECT, related_name="assignments")
    area = models.ForeignKey("areas.Area", verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    department = models.CharField("行业部门", max_length=10, blank=True, choices=codelists.choices_of("department"))

    scope_app = "accounts"
    scope_field = "area_id"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role", "area"], name="uniq_role_assignment")]
        verbose_name = "角色分配"
        verbose_name_plural = "角色分配"

    def __str__(self):
        return f"{self.user} · {self.role} · {self.area}"

    def changelog_scope(self):
        return None, self.area_id
