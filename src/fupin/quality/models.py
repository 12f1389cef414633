"""Rule settings (parameters by area and year), runs, problems (问题清单) and their history.

A problem is keyed by its rule and the household / member / village it concerns, so a run that finds the same
thing again updates the same problem: its history (found, fixed, reappeared, exempted, exemption lapsed) stays
in one place. Rules themselves are code (:mod:`fupin.quality.catalogue`); only their settings are rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fupin.core.models import ChangeLoggedModel

from .catalogue import LEVELS, SEVERITIES


class RuleSetting(ChangeLoggedModel):
    """Parameters (and on/off) of one rule for an area subtree (province or county) and optionally one year.

    The most specific setting wins: a county's over its province's, a year's over the one for all years. Edits
    are change-logged (their history is the parameter history)."""

    rule_code = models.CharField("规则编号", max_length=20)
    area = models.ForeignKey("areas.Area", verbose_name="适用区划", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("适用年度", default=0, blank=True, help_text="0 = 各年度")
    enabled = models.BooleanField("启用", default=True)
    params = models.JSONField("参数", default=dict, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)

    scope_app = "quality"
    scope_field = "area_id"

    class Meta:
        ordering = ["rule_code", "area_id", "year"]
        constraints = [models.UniqueConstraint(fields=["rule_code", "area", "year"], name="uniq_rule_setting",
                                               violation_error_message="该规则在该区划和年度已有设置，请修改原设置")]
        verbose_name = "规则参数"
        verbose_name_plural = "规则参数"

    def __str__(self):
        return f"{self.rule_code} @ {self.area_id} {self.year or '各年度'}"

    def changelog_scope(self):
        return None, self.area_id

    def param_items(self) -> list[tuple[str, object]]:
        """(label, value) of the parameters this setting gives, for display."""
        from .catalogue import CATALOGUE

        rule = CATALOGUE.get(self.rule_code)
        labels = {p.name: p.label for p in rule.params} if rule else {}
        return [(labels.get(k, k), v) for k, v in (self.params or {}).items()]


class Run(models.Model):
    """One evaluation of (part of) the catalogue over an area subtree."""

    class Status(models.TextChoices):
        RUNNING = "running", "运行中"
        SUCCEEDED = "succeeded", "已完成"
        FAILED = "failed", "失败"

    started_at = models.DateTimeField("开始时间", auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+")
    user_name = models.CharField("发起人", max_length=150, blank=True)
    job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    area = models.ForeignKey("areas.Area", verbose_name="范围", on_delete=models.PROTECT, related_name="+")
    check_date = models.DateField("核查基准日")
    rule_codes = models.JSONField("规则", default=list, blank=True, help_text="空 = 全部启用的规则")
    params = models.JSONField("所用参数", default=dict, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.RUNNING)
    message = models.CharField("说明", max_length=500, blank=True)
    persons = models.PositiveIntegerField("人数", default=0)
    households = models.PositiveIntegerField("户数", default=0)
    findings = models.PositiveIntegerField("发现问题", default=0)
    counts = models.JSONField("各规则问题数", default=dict, blank=True)
    outcome = models.JSONField("处理结果", default=dict, blank=True)  # new / reopened / fixed / lapsed
    timings = models.JSONField("耗时(秒)", default=dict, blank=True)

    scope_app = "quality"
    scope_field = "area_id"

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = "核查批次"
        verbose_name_plural = "核查批次"

    def __str__(self):
        return f"核查 {self.area_id} {self.started_at:%Y-%m-%d %H:%M}"


class Problem(models.Model):
    """One rule's finding on one village, household or member, across runs."""

    class Status(models.TextChoices):
        OPEN = "open", "待整改"
        PENDING = "pending", "豁免待审核"
        EXEMPTED = "exempted", "已豁免"
        FIXED = "fixed", "已整改"

    ACTIVE = (Status.OPEN, Status.PENDING)

    # Indexes: only those the lists and the runs use (a first run rebuilds every one over ~300k rows per 1M
    # persons). Areas are filtered by code range, never LIKE, so no pattern-ops twins; village and rule are the
    # leading columns of the two composite indexes; status alone is never selective.
    # rule|household|member|village; unique (constraint below). Collation "C" on PostgreSQL (migration 0006,
    # fupin.core.collation): re-apply after a type change.
    key = models.CharField(max_length=80)
    # Rule code and status: collation "C" on PostgreSQL as well (migration 0007): the leading and second columns
    # of the (rule, status) and (village, status) indexes, built over every problem after a first run.
    rule_code = models.CharField("规则编号", max_length=20)
    level = models.CharField("层级", max_length=10, choices=list(LEVELS.items()))
    severity = models.CharField("级别", max_length=10, choices=list(SEVERITIES.items()))
    village = models.ForeignKey("areas.Area", verbose_name="行政村", on_delete=models.PROTECT, related_name="+",
                                db_index=False)
    household = models.ForeignKey("registry.Household", verbose_name="农户", on_delete=models.CASCADE, null=True,
                                  blank=True, related_name="problems")
    member = models.ForeignKey("registry.Member", verbose_name="成员", on_delete=models.CASCADE, null=True,
                               blank=True, related_name="problems")
    household_number = models.CharField("户编号", max_length=32, blank=True)
    member_name = models.CharField("姓名", max_length=50, blank=True)
    message = models.CharField("问题说明", max_length=300)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    data_version = models.CharField("数据版本", max_length=40, blank=True)  # household[:member] version when found
    # Not indexed: nothing looks problems up by run (related_name "+"), and a first run would rebuild two indexes
    # over millions of rows holding one value (10M persons: ~2 s). Deleting a run (rare) scans the table instead.
    # No foreign-key constraint in the database either: the run is a note of where a problem was seen, written
    # only by the run itself (a row it has just created), and set to NULL by Django when a run is deleted
    # (``on_delete``). A constraint would be re-checked over every row after a first run's load, one scan of the
    # whole table each (10M persons: 2 × 0.8 s), and on every row a later run touches.
    first_run = models.ForeignKey(Run, on_delete=models.SET_NULL, null=True, related_name="+", db_index=False,
                                  db_constraint=False)
    last_run = models.ForeignKey(Run, on_delete=models.SET_NULL, null=True, related_name="+", db_index=False,
                                 db_constraint=False)
    found_at = models.DateTimeField("发现时间")
    last_seen_at = models.DateTimeField("最近发现时间")
    due_date = models.DateField("整改期限", null=True, blank=True)
    closed_at = models.DateTimeField("整改/豁免时间", null=True, blank=True)
    # Exemption (豁免): requested with a reason and evidence, approved by the township or county.
    exemption_reason = models.TextField("豁免理由", blank=True)
    exemption_evidence = models.FileField("佐证材料", upload_to="quality/evidence/%Y/%m/", blank=True)
    # Indexed only where set (partial indexes below): almost every problem has neither.
    exemption_requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                               blank=True, related_name="+", db_index=False)
    exemption_reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                              blank=True, related_name="+", db_index=False)
    exemption_version = models.CharField(max_length=40, blank=True)  # data version the exemption was granted on
    version = models.PositiveIntegerField(default=1)

    scope_app = "quality"
    scope_field = "village_id"

    class Meta:
        ordering = ["village_id", "household_number", "rule_code"]
        indexes = [models.Index(fields=["village", "status"], name="problem_village_status"),
                   models.Index(fields=["rule_code", "status"], name="problem_rule_status"),
                   models.Index(fields=["exemption_requested_by"], name="problem_exemption_requested",
                                condition=models.Q(exemption_requested_by__isnull=False)),
                   models.Index(fields=["exemption_reviewed_by"], name="problem_exemption_reviewed",
                                condition=models.Q(exemption_reviewed_by__isnull=False))]
        constraints = [models.UniqueConstraint(fields=["key"], name="problem_key_unique")]
        verbose_name = "问题数据"
        verbose_name_plural = "问题数据"

    def __str__(self):
        return f"{self.rule_code} {self.household_number} {self.member_name}".strip()

    @property
    def rule(self):
        from .catalogue import CATALOGUE

        return CATALOGUE.get(self.rule_code)


class ProblemEvent(models.Model):
    """History of a problem: every status change, by whom (or by which run), with a comment."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    time = models.DateTimeField("时间", db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    user_name = models.CharField("操作人", max_length=150, blank=True)
    run = models.ForeignKey(Run, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    from_status = models.CharField("原状态", max_length=10, blank=True)
    to_status = models.CharField("新状态", max_length=10)
    comment = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        ordering = ["time", "id"]
        verbose_name = "问题处理记录"
        verbose_name_plural = "问题处理记录"

    def __str__(self):
        return f"{self.from_status}→{self.to_status}"
