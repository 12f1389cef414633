"""REST API of the data-quality module: problems (with exemption actions), runs and the rule catalogue.

The same selectors and services as the UI; lists are scoped like everything else. ID numbers are not part of a
problem: the household and member links lead to the registry API, which masks them by role.
"""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fupin.accounts.scoping import has_perm
from fupin.core.api import ScopedViewSetMixin
from fupin.core.models import Job

from . import selectors, services
from .catalogue import CATALOGUE
from .models import Problem, Run


class ProblemSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField(label="规则名称")
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Problem
        fields = ["id", "rule_code", "title", "level", "severity", "village", "household", "household_number",
                  "member", "member_name", "message", "status", "status_label", "found_at", "last_seen_at",
                  "due_date", "closed_at", "exemption_reason", "version"]
        read_only_fields = fields

    def get_title(self, obj) -> str:
        rule = CATALOGUE.get(obj.rule_code)
        return rule.title if rule else ""


class ExemptionRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(label="豁免理由", min_length=5)
    version = serializers.IntegerField(label="版本")


class ExemptionDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField(label="是否同意")
    comment = serializers.CharField(label="说明", required=False, allow_blank=True, default="")
    version = serializers.IntegerField(label="版本")


FILTERS = [OpenApiParameter(n, str, description=d) for n, d in (
    ("area", "区划代码（含下级）"), ("rule", "规则编号"), ("status", "active（默认）/open/pending/exempted/fixed/all"),
    ("severity", "error/warning"), ("level", "person/household/village"), ("mine", "true：只看我负责整改的"),
    ("overdue", "true：只看已超期"), ("household", "农户 id"))]


@extend_schema(parameters=FILTERS)
class ProblemViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """问题清单。默认只列待处理（待整改、豁免待审核）的问题。"""

    queryset = Problem.objects.all()
    serializer_class = ProblemSerializer
    action_perms = {"request_exemption": "fix", "decide": "approve"}

    def get_queryset(self):
        q = self.request.query_params
        if self.action != "list":
            return super().get_queryset()
        truthy = ("1", "true", "on", "yes")
        household = q.get("household")
        if household and not household.isdigit():
            raise exceptions.ValidationError({"household": ["农户 id 应为整数"]})
        area = q.get("area")
        if area and not area.isdigit():
            raise exceptions.ValidationError({"area": ["区划代码应为数字"]})
        return selectors.problem_list(
            self.request.user, area=area, rule=q.get("rule") or None, status=q.get("status") or None,
            severity=q.get("severity") or None, level=q.get("level") or None, mine=q.get("mine") in truthy,
            overdue=q.get("overdue") in truthy, household=int(household) if household else None,
        ).order_by("village_id", "household_number", "rule_code", "id")

    def _act(self, fn):
        """Run a service action; its ApplicationError becomes the usual error response (core.api)."""
        return Response(ProblemSerializer(fn()).data)

    @extend_schema(request=ExemptionRequestSerializer, responses=ProblemSerializer)
    @action(detail=True, methods=["post"], url_path="request-exemption")
    def request_exemption(self, request, pk=None):
        """申请豁免（村级）：`{"reason": "…", "version": N}`。"""
        problem = self.get_object()
        body = ExemptionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._act(lambda: services.exemption_request(
            actor=request.user, problem=problem, reason=body.validated_data["reason"],
            expected_version=body.validated_data["version"]))

    @extend_schema(request=ExemptionDecisionSerializer, responses=ProblemSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """审核豁免（乡镇、县级）：`{"approve": true, "comment": "…", "version": N}`；驳回须写说明。"""
        problem = self.get_object()
        body = ExemptionDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._act(lambda: services.exemption_decide(
            actor=request.user, problem=problem, approve=body.validated_data["approve"],
            comment=body.validated_data["comment"], expected_version=body.validated_data["version"]))


class RunSerializer(serializers.ModelSerializer):
    class Meta:
        model = Run
        fields = ["id", "area", "check_date", "rule_codes", "status", "message", "started_at", "finished_at",
                  "user_name", "persons", "households", "findings", "counts", "outcome", "timings"]
        read_only_fields = fields


class RunStartSerializer(serializers.Serializer):
    area = serializers.CharField(label="区划代码")
    check_date = serializers.DateField(label="核查基准日", required=False)
    rules = serializers.ListField(child=serializers.CharField(), required=False, default=list, label="规则编号")

    def validate_rules(self, value):
        unknown = [c for c in value if c not in CATALOGUE]
        if unknown:
            raise serializers.ValidationError(f"没有这些规则：{'、'.join(unknown)}")
        return value


class RunViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """核查批次。`POST` 在后台运行一次核查，返回任务编号；任务完成后批次出现在列表中。"""

    queryset = Run.objects.order_by("-started_at", "-id")
    serializer_class = RunSerializer

    def get_serializer_class(self):
        return RunStartSerializer if self.action == "create" else RunSerializer

    @extend_schema(request=RunStartSerializer, responses={202: None})
    def create(self, request, *args, **kwargs):
        from fupin.areas.models import Area

        from .tasks import run_quality

        body = RunStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        area = body.validated_data["area"]
        if not Area.objects.filter(code=area).exists():
            raise exceptions.ValidationError({"area": [f"区划代码{area}不存在"]})
        if not has_perm(request.user, "quality.run", area):
            raise exceptions.PermissionDenied("您的角色不能在该区划运行数据核查")
        check_date = body.validated_data.get("check_date") or dt.date.today()
        job = Job.objects.create(kind="quality.run", user=request.user, area_code=area, message="等待运行",
                                 params={"area": area, "rules": body.validated_data["rules"],
                                         "check_date": check_date.isoformat()})
        run_quality.enqueue(str(job.pk), request.user.pk, area, body.validated_data["rules"], check_date.isoformat())
        job.refresh_from_db()
        return Response({"job": str(job.pk), "status": job.status, "run": (job.result or {}).get("run")}, status=202)


class RuleViewSet(viewsets.ViewSet):
    """规则目录（代码中定义；参数的默认值）。"""

    def list(self, request):
        if not has_perm(request.user, "quality.view"):
            raise exceptions.PermissionDenied("您的角色没有查看数据质量的权限")
        return Response([{
            "code": r.code, "family": r.family, "level": r.level, "severity": r.severity, "applies": r.applies,
            "title": r.title, "message": r.message, "fields": list(r.fields),
            "params": [{"name": p.name, "label": p.label, "kind": p.kind, "default": p.show(p.default),
                        "minimum": p.minimum, "maximum": p.maximum} for p in r.params],
        } for r in CATALOGUE.values()])
