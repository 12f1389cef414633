"""Registry API: the same filters, scoping and services as the UI."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from fupin.core import masking
from fupin.core.api import ScopedViewSetMixin, expected_version
from fupin.core.errors import ValidationFailed

from .. import services
from ..filters import HouseholdFilter, IncomeFilter, MemberFilter, WorkRecordFilter
from ..models import Household, IncomeRecord, Member, WorkRecord
from .serializers import (
    HouseholdListSerializer,
    HouseholdSerializer,
    IncomeSerializer,
    MemberRemoveSerializer,
    MemberSerializer,
    WorkRecordSerializer,
)


class PiiLogMixin:
    """Log one access row per request that returned unmasked personal data."""

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not hasattr(self, "_pii_fields"):
            self._pii_fields = set()
        context["_pii_log"] = self._pii_fields
        return context

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        fields = getattr(self, "_pii_fields", set())
        if fields and response.status_code < 400 and request.method == "GET":
            data = response.data if isinstance(response.data, dict) else {}
            rows = len(data.get("results", [])) if "results" in data else 1
            masking.log_access(user=request.user, action="api", object_type=self.queryset.model._meta.model_name,
                               object_id=str(self.kwargs.get("pk", "")), fields=",".join(sorted(fields)),
                               row_count=rows, unmasked=True, detail={"path": request.get_full_path()[:500]})
        return response


class QualityCheckMixin:
    """After a successful write, run the data-quality rules for the household and return them as
    ``quality_problems`` (the same rule codes and messages as a run and the UI)."""

    def household_of(self, data: dict):
        return None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("POST", "PUT", "PATCH") and response.status_code < 400 and isinstance(
                response.data, dict) and "id" in response.data:
            household = self.household_of(response.data)
            if household is not None:
                from fupin.quality.hooks import check_after_save

                found = check_after_save(household, request.user)
                response.data["quality_problems"] = found if found is not None else []
                if found is None:
                    response.data["quality_check"] = "数据质量核查未能完成，请稍后复核"
        return response


class NoDeleteMixin:
    def destroy(self, request, *args, **kwargs):
        return Response({"detail": "登记信息不能删除：农户请用销户（cancel），成员请用成员减少（remove）",
                         "code": "method_not_allowed"}, status=status.HTTP_405_METHOD_NOT_ALLOWED)


class HouseholdViewSet(QualityCheckMixin, PiiLogMixin, NoDeleteMixin, ScopedViewSetMixin, viewsets.ModelViewSet):
    """农户。列表支持与界面相同的筛选：`area`、`household_type`、`monitor_kind`、`risk_type`、`risk_eliminated`、
    `income_min`/`income_max`、`q`（姓名/证件号/户编号）、`ordering`。修改须带 `version`（乐观锁）。"""

    queryset = Household.objects.all()
    filterset_class = HouseholdFilter

    def household_of(self, data):
        return Household.objects.filter(pk=data["id"]).first()

    def get_queryset(self):
        qs = super().get_queryset().select_related("village")
        return qs.order_by("number") if self.action != "list" else qs

    def get_serializer_class(self):
        return HouseholdListSerializer if self.action == "list" else HouseholdSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        head = data.pop("head", None)
        if not head:
            raise ValidationFailed("新建农户必须提供户主信息（head）", field_errors={"head": ["新建农户必须提供户主信息"]})
        self.require_perm("add", data["village"].code)
        serializer.instance = services.household_create(actor=self.request.user, data=data, head=head)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("head", None)
        services.household_update(actor=self.request.user, household=serializer.instance, data=data,
                                  expected_version=expected_version(self.request))
        serializer.instance.refresh_from_db()

    @extend_schema(request=None, responses=HouseholdSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """自然销户：body `{"reason": "1", "date": "2026-01-01", "version": N}`。"""
        household = self.get_object()
        self.require_perm("delete", household.village_id)
        try:
            date = dt.date.fromisoformat(str(request.data.get("date", "")))
        except ValueError:
            raise ValidationFailed("销户日期格式应为 YYYY-MM-DD", field_errors={"date": ["日期格式应为 YYYY-MM-DD"]})
        services.household_cancel(actor=request.user, household=household, reason=request.data.get("reason", ""),
                                  date=date, expected_version=expected_version(request))
        household.refresh_from_db()
        return Response(HouseholdSerializer(household, context=self.get_serializer_context()).data)


class MemberViewSet(QualityCheckMixin, PiiLogMixin, NoDeleteMixin, ScopedViewSetMixin, viewsets.ModelViewSet):
    """家庭成员。新增即“成员自然增加”（须 `joined_reason`），减少用 `POST /api/members/{id}/remove/`。"""

    queryset = Member.objects.select_related("household").order_by("household_id", "-is_active", "relationship", "id")
    serializer_class = MemberSerializer
    filterset_class = MemberFilter

    def household_of(self, data):
        return Household.objects.filter(members__pk=data["id"]).first()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        household = data.pop("household")
        self.require_perm("add", household.village_id)
        reason = data.pop("joined_reason", "")
        date = data.pop("joined_date", None)
        serializer.instance = services.member_add(actor=self.request.user, household=household, data=data,
                                                  reason=reason, date=date)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        for f in ("household", "joined_reason", "joined_date"):
            data.pop(f, None)
        services.member_update(actor=self.request.user, member=serializer.instance, data=data,
                               expected_version=expected_version(self.request))
        serializer.instance.refresh_from_db()

    @extend_schema(request=MemberRemoveSerializer, responses=MemberSerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        """成员自然减少（保留历史）。减少户主时须给出 `new_head`。"""
        member = self.get_object()
        body = MemberRemoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        new_head = None
        if body.validated_data.get("new_head"):
            new_head = Member.objects.filter(pk=body.validated_data["new_head"], household=member.household).first()
            if new_head is None:
                raise ValidationFailed("新户主必须是本户成员", field_errors={"new_head": ["新户主必须是本户成员"]})
        services.member_remove(actor=request.user, member=member, reason=body.validated_data["left_reason"],
                               date=body.validated_data["left_date"], note=body.validated_data.get("left_note", ""),
                               expected_version=body.validated_data["version"], new_head=new_head)
        member.refresh_from_db()
        return Response(MemberSerializer(member, context=self.get_serializer_context()).data)


class IncomeViewSet(QualityCheckMixin, NoDeleteMixin, ScopedViewSetMixin, viewsets.ModelViewSet):
    """年度收入。纯收入与人均纯收入由系统计算；`household_size` 缺省为当前在户人数。"""

    queryset = IncomeRecord.objects.select_related("household").order_by("household_id", "-year")
    serializer_class = IncomeSerializer
    filterset_class = IncomeFilter

    def household_of(self, data):
        return Household.objects.filter(incomes__pk=data["id"]).first()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        household = data.pop("household")
        self.require_perm("change", household.village_id)
        year = data.pop("year")
        serializer.instance = services.income_save(actor=self.request.user, household=household, year=year, data=data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("household", None)
        data.pop("year", None)
        record = serializer.instance
        serializer.instance = services.income_save(actor=self.request.user, household=record.household,
                                                   year=record.year, data=data,
                                                   expected_version=expected_version(self.request))


class WorkRecordViewSet(QualityCheckMixin, NoDeleteMixin, ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                        viewsets.ReadOnlyModelViewSet):
    """务工信息（已外出务工、计划外出务工）。"""

    queryset = WorkRecord.objects.select_related("member__household").order_by("member_id", "start_month")
    serializer_class = WorkRecordSerializer
    filterset_class = WorkRecordFilter

    def household_of(self, data):
        return Household.objects.filter(members__work_records__pk=data["id"]).first()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        member = data.pop("member")
        self.require_perm("change", member.household.village_id)
        serializer.instance = services.work_record_save(actor=self.request.user, member=member, data=data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("member", None)
        services.work_record_save(actor=self.request.user, member=serializer.instance.member, data=data,
                                  record=serializer.instance, expected_version=expected_version(self.request))
