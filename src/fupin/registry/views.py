"""Registry pages. Thin: read through selectors, write through services, scope through restrict()."""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from fupin.accounts.scoping import has_perm
from fupin.areas.models import Area, VillageGroup
from fupin.core import masking
from fupin.core.errors import ApplicationError
from fupin.core.forms import apply_service_error
from fupin.core.history import describe
from fupin.core.views import PermissionRequiredMixin, scoped_object_or_404
from fupin.quality.hooks import message_after_save, quality_problems

from . import selectors, services
from .display import field_rows
from .exports import write_households_xlsx
from .filters import HouseholdFilter, filter_form_widgets
from .forms import (
    HOUSEHOLD_SECTIONS,
    MEMBER_SECTIONS,
    HouseholdCancelForm,
    HouseholdForm,
    IncomeForm,
    MemberAddForm,
    MemberForm,
    MemberRemoveForm,
)
from .models import Household, IncomeRecord, Member


def _filtered(request):
    params = request.GET.copy()
    if "is_active" not in params:
        params["is_active"] = "true"
    filterset = HouseholdFilter(params, queryset=selectors.households_for_list(request.user))
    filter_form_widgets(filterset.form)
    return filterset


DETAIL_SKIP = {"village", "group", "number", "address", "phone", "bank_name", "bank_account", "gps_lng", "gps_lat"}


class HouseholdListView(PermissionRequiredMixin, View):
    permission = "registry.view"

    def get(self, request):
        filterset = _filtered(request)
        if not filterset.is_valid():
            qs = Household.objects.none()
        else:
            qs = filterset.qs
        paginator = Paginator(qs, settings.FUPIN_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "filter": filterset, "page": page, "query": query.urlencode(),
            "can_add": has_perm(request.user, "registry.add"),
            "can_export": has_perm(request.user, "registry.export"),
            "can_import": has_perm(request.user, "registry.import"),
        }
        template = "registry/_household_table.html" if request.htmx and not request.htmx.boosted \
            else "registry/household_list.html"
        return render(request, template, context)


class HouseholdExportView(PermissionRequiredMixin, View):
    permission = "registry.export"

    def get(self, request):
        filterset = _filtered(request)
        if not filterset.is_valid():
            messages.error(request, "筛选条件有误，无法导出")
            return redirect("registry:household-list")
        from fupin.accounts.scoping import restrict

        qs = restrict(filterset.qs, request.user, "export")
        total = qs.count()
        if total > settings.FUPIN_EXPORT_MAX_ROWS:
            messages.error(request, f"导出行数{total}超过上限{settings.FUPIN_EXPORT_MAX_ROWS}，请缩小筛选范围")
            return redirect(reverse("registry:household-list") + "?" + request.GET.urlencode())
        show_ids, show_contact = selectors.export_visibility(qs, request.user)
        path, rows = write_households_xlsx(qs.order_by("number"), show_ids=show_ids, show_contact=show_contact)
        masking.log_access(user=request.user, action="export", object_type="household", row_count=rows,
                           unmasked=show_ids or show_contact, fields="household_list",
                           detail={"filters": request.GET.dict()})
        name = f"农户清单_{timezone.localtime():%Y%m%d_%H%M}.xlsx"
        response = FileResponse(open(path, "rb"), as_attachment=True, filename=name)  # noqa: SIM115 - closed by Django
        os.unlink(path)  # the open handle keeps the data readable until the response is sent
        return response


def imported_measures(household) -> list[tuple[str, str]]:
    """The measure columns of the national export kept with the household (category, text), in the export's
    order; what the measure rules of the data-quality catalogue read."""
    from fupin.imports.layouts import MEASURE_HEADERS

    extra = household.extra or {}
    return [(label, str(extra[label])) for label in MEASURE_HEADERS if str(extra.get(label) or "").strip()]


class HouseholdDetailView(PermissionRequiredMixin, View):
    permission = "registry.view"

    def get(self, request, pk):
        household = selectors.household_detail(request.user, pk)
        area = household.village_id
        history = list(selectors.household_history(household)[:500])
        members = list(household.members.all())
        context = {
            "h": household,
            "members": [m for m in members if m.is_active],
            "former_members": [m for m in members if not m.is_active],
            "incomes": list(household.incomes.all()),
            "helpers": list(household.helper_assignments.all()),
            "measures": imported_measures(household),
            "history": [(c, describe(c, request.user)) for c in history],
            "can_change": has_perm(request.user, "registry.change", area),
            "can_add": has_perm(request.user, "registry.add", area),
            "can_delete": has_perm(request.user, "registry.delete", area),
            "can_view_id": has_perm(request.user, "registry.view_id", area),
            "can_view_contact": has_perm(request.user, "registry.view_contact", area),
            "ancestors": Area.objects.filter(code__in=household.village.ancestor_codes()).order_by("code"),
            "problems": quality_problems(request.user, household),
            "sections": [(title, field_rows(household, [f for f in fields if f not in DETAIL_SKIP]))
                         for title, fields in HOUSEHOLD_SECTIONS if title not in ("基本信息", "备注")],
            "member_sections": [(title, [f for f in fields if f not in ("name", "id_number", "phone")])
                                for title, fields in MEMBER_SECTIONS],
        }
        for m in context["members"] + context["former_members"]:
            m.sections = [(t, field_rows(m, fs)) for t, fs in context["member_sections"]]
        return render(request, "registry/household_detail.html", context)


class HouseholdCreateView(PermissionRequiredMixin, View):
    permission = "registry.add"

    def get(self, request):
        initial = {"village": request.GET.get("village")} if request.GET.get("village") else {}
        form = HouseholdForm(user=request.user, creating=True, initial=initial)
        head = MemberForm(prefix="head", prefix_head=True)
        return self._render(request, form, head)

    def post(self, request):
        form = HouseholdForm(request.POST, user=request.user, creating=True)
        head = MemberForm(request.POST, prefix="head", prefix_head=True)
        if form.is_valid() and head.is_valid():
            try:
                household = services.household_create(actor=request.user, data=form.service_data(),
                                                       head=head.service_data())
            except ApplicationError as exc:
                _split_errors(exc, form, head)
            else:
                messages.success(request, f"已新建农户 {household.number}")
                message_after_save(request, household)
                return redirect("registry:household-detail", pk=household.pk)
        return self._render(request, form, head, status=400)

    def _render(self, request, form, head, status=200):
        return render(request, "registry/household_form.html",
                      {"form": form, "head": head, "creating": True}, status=status)


def _split_errors(exc: ApplicationError, form, head) -> None:
    """Errors of ``head.xxx`` go to the head form, the others to the household form."""
    head_errors = {k[5:]: v for k, v in exc.field_errors.items() if k.startswith("head.")}
    other = {k: v for k, v in exc.field_errors.items() if not k.startswith("head.")}
    if head_errors:
        apply_service_error(head, ApplicationError(exc.message, field_errors=head_errors))
    if other or not head_errors:
        apply_service_error(form, ApplicationError(exc.message, field_errors=other))


class HouseholdEditView(PermissionRequiredMixin, View):
    permission = "registry.change"

    def get(self, request, pk):
        household = scoped_object_or_404(Household.objects.select_related("village"), request.user, "change", pk=pk)
        return render(request, "registry/household_form.html",
                      {"form": HouseholdForm(instance=household, user=request.user, creating=False), "h": household})

    def post(self, request, pk):
        household = scoped_object_or_404(Household.objects.select_related("village"), request.user, "change", pk=pk)
        form = HouseholdForm(request.POST, instance=household, user=request.user, creating=False)
        if form.is_valid():
            try:
                changed = services.household_update(actor=request.user, household=household,
                                                    data=form.service_data(),
                                                    expected_version=form.cleaned_data.get("version"))
            except ApplicationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, f"已保存（修改了{len(changed)}项）" if changed else "没有修改任何内容")
                message_after_save(request, household)
                return redirect("registry:household-detail", pk=pk)
        return render(request, "registry/household_form.html", {"form": form, "h": household}, status=400)


class HouseholdCancelView(PermissionRequiredMixin, View):
    permission = "registry.delete"

    def get(self, request, pk):
        household = scoped_object_or_404(Household.objects.all(), request.user, "delete", pk=pk)
        return render(request, "registry/simple_form.html", self._ctx(household, HouseholdCancelForm(household=household)))

    def post(self, request, pk):
        household = scoped_object_or_404(Household.objects.all(), request.user, "delete", pk=pk)
        form = HouseholdCancelForm(request.POST, household=household)
        if form.is_valid():
            try:
                services.household_cancel(actor=request.user, household=household, reason=form.cleaned_data["reason"],
                                          date=form.cleaned_data["date"],
                                          expected_version=form.cleaned_data["version"])
            except ApplicationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, f"农户 {household.number} 已销户")
                return redirect("registry:household-detail", pk=pk)
        return render(request, "registry/simple_form.html", self._ctx(household, form), status=400)

    def _ctx(self, household, form):
        return {"h": household, "form": form, "title": f"销户：{household}", "submit": "确认销户", "danger": True,
                "intro": "销户后该户及其成员不再在册，记录保留可查。"}


class MemberAddView(PermissionRequiredMixin, View):
    permission = "registry.add"

    def get(self, request, pk):
        household = scoped_object_or_404(Household.objects.all(), request.user, "add", pk=pk)
        return render(request, "registry/member_form.html", {"h": household, "form": MemberAddForm(), "adding": True})

    def post(self, request, pk):
        household = scoped_object_or_404(Household.objects.all(), request.user, "add", pk=pk)
        form = MemberAddForm(request.POST)
        if form.is_valid():
            try:
                member = services.member_add(actor=request.user, household=household, data=form.service_data(),
                                             reason=form.cleaned_data["joined_reason"],
                                             date=form.cleaned_data["joined_date"])
            except ApplicationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, f"已增加成员 {member.name}")
                message_after_save(request, household)
                return redirect("registry:household-detail", pk=pk)
        return render(request, "registry/member_form.html", {"h": household, "form": form, "adding": True}, status=400)


class MemberEditView(PermissionRequiredMixin, View):
    permission = "registry.change"

    def _member(self, request, pk):
        return scoped_object_or_404(Member.objects.select_related("household"), request.user, "change", pk=pk)

    def get(self, request, pk):
        member = self._member(request, pk)
        return render(request, "registry/member_form.html",
                      {"h": member.household, "form": MemberForm(instance=member), "member": member})

    def post(self, request, pk):
        member = self._member(request, pk)
        form = MemberForm(request.POST, instance=member)
        if form.is_valid():
            try:
                changed = services.member_update(actor=request.user, member=member, data=form.service_data(),
                                                 expected_version=form.cleaned_data.get("version"))
            except ApplicationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, f"已保存成员 {member.name}（修改了{len(changed)}项）")
                message_after_save(request, member.household)
                return redirect("registry:household-detail", pk=member.household_id)
        return render(request, "registry/member_form.html",
                      {"h": member.household, "form": form, "member": member}, status=400)


class MemberRemoveView(PermissionRequiredMixin, View):
    permission = "registry.change"

    def _member(self, request, pk):
        return scoped_object_or_404(Member.objects.select_related("household"), request.user, "change", pk=pk)

    def _ctx(self, member, form):
        return {"h": member.household, "form": form, "title": f"成员自然减少：{member.name}", "submit": "确认减少",
                "danger": True, "intro": "减少后该成员保留在“历史成员”中，可查看其全部记录。"}

    def get(self, request, pk):
        member = self._member(request, pk)
        return render(request, "registry/simple_form.html", self._ctx(member, MemberRemoveForm(member=member)))

    def post(self, request, pk):
        member = self._member(request, pk)
        form = MemberRemoveForm(request.POST, member=member)
        if form.is_valid():
            try:
                services.member_remove(actor=request.user, member=member, reason=form.cleaned_data["left_reason"],
                                       date=form.cleaned_data["left_date"], note=form.cleaned_data["left_note"],
                                       expected_version=form.cleaned_data["version"],
                                       new_head=form.cleaned_data.get("new_head"))
            except ApplicationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, f"成员 {member.name} 已减少")
                message_after_save(request, member.household)
                return redirect("registry:household-detail", pk=member.household_id)
        return render(request, "registry/simple_form.html", self._ctx(member, form), status=400)


class IncomeEditView(PermissionRequiredMixin, View):
    """Add a year's income (no ``year`` in the URL) or edit one."""

    permission = "registry.change"

    def _load(self, request, pk, year):
        household = scoped_object_or_404(Household.objects.all(), request.user, "change", pk=pk)
        record = None
        if year is not None:
            record = IncomeRecord.objects.filter(household=household, year=year).first()
            if record is None:
                raise Http404("该年度收入不存在")
        return household, record

    def get(self, request, pk, year=None):
        household, record = self._load(request, pk, year)
        return render(request, "registry/income_form.html",
                      {"h": household, "form": IncomeForm(instance=record, household=household), "record": record})

    def post(self, request, pk, year=None):
        household, record = self._load(request, pk, year)
        form = IncomeForm(request.POST, instance=record or IncomeRecord(household=household), household=household)
        if form.is_valid():
            try:
                services.income_save(actor=request.user, household=household,
                                     year=record.year if record else form.cleaned_data["year"],
                                     data=form.service_data(),
                                     expected_version=form.cleaned_data.get("version") if record else None)
            except ApplicationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, "收入信息已保存")
                message_after_save(request, household)
                return redirect(reverse("registry:household-detail", args=[pk]) + "#incomes")
        return render(request, "registry/income_form.html", {"h": household, "form": form, "record": record},
                      status=400)


class RevealView(PermissionRequiredMixin, View):
    """Show one personal-data value in full (htmx), if the role allows it there; every reveal is logged."""

    permission = "registry.view"
    FIELDS = {"household": {"phone", "bank_account", "head_id_number"}, "member": {"id_number", "phone"}}

    def post(self, request, kind, pk, field):
        if field not in self.FIELDS.get(kind, ()):
            raise Http404
        model = Household if kind == "household" else Member
        obj = scoped_object_or_404(model.objects.all(), request.user, "view", pk=pk)
        area = obj.village_id if kind == "household" else obj.household.village_id
        if not masking.may_see(request.user, field, area):
            raise PermissionDenied("您的角色不能查看完整的敏感信息")
        value = getattr(obj, field)
        masking.log_access(user=request.user, action="reveal", object_type=kind, object_id=pk, area_code=area,
                           fields=field, unmasked=True)
        return HttpResponse(f'<span class="font-monospace revealed" title="已记录查看">{value or "—"}</span>')


class HouseholdPrintView(PermissionRequiredMixin, View):
    """贫困户信息表, laid out for A4. Full IDs only for roles that may see them (logged as a print)."""

    permission = "registry.view"

    def get(self, request, pk):
        household = selectors.household_detail(request.user, pk)
        area = household.village_id
        show_ids = has_perm(request.user, "registry.view_id", area)
        show_contact = has_perm(request.user, "registry.view_contact", area)
        masking.log_access(user=request.user, action="print", object_type="household", object_id=pk, area_code=area,
                           fields="household_sheet", unmasked=show_ids or show_contact)
        members = [m for m in household.members.all() if m.is_active]
        return render(request, "registry/household_print.html", {
            "h": household, "members": members, "incomes": list(household.incomes.all())[:2],
            "helpers": [a for a in household.helper_assignments.all() if a.end_date is None],
            "show_ids": show_ids, "show_contact": show_contact, "today": timezone.localdate(),
            "ancestors": Area.objects.filter(code__in=household.village.ancestor_codes()).order_by("code"),
            "problems": quality_problems(request.user, household),
        })


class GroupOptionsView(PermissionRequiredMixin, View):
    """<option>s of the groups of a village (htmx, for the household form)."""

    permission = "registry.view"

    def get(self, request):
        code = request.GET.get("village", "")
        groups = VillageGroup.objects.filter(village_id=code) if code else VillageGroup.objects.none()
        from fupin.accounts.scoping import restrict

        groups = restrict(groups, request.user, "view")
        options = '<option value="">---------</option>' + "".join(
            f'<option value="{g.pk}">{g.name}</option>' for g in groups)
        return HttpResponse(options)
