"""Data-quality pages: overview with scores, problem lists and export, problem detail with rectification and
exemption, the rule catalogue with parameter settings, runs with progress. Views stay thin: services write."""

from __future__ import annotations

import datetime as dt
import os

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from fupin.accounts.scoping import ALL, areas_with, has_perm, restrict, subtree_q, user_root_areas
from fupin.areas import codes as area_codes
from fupin.areas.models import Area
from fupin.core import masking
from fupin.core.errors import ApplicationError, PermissionDeniedError
from fupin.core.models import Job
from fupin.core.views import PermissionRequiredMixin, scoped_object_or_404

from . import selectors, services
from .catalogue import CATALOGUE
from .exports import write_problems_xlsx
from .forms import ExemptionDecisionForm, ExemptionRequestForm, ProblemFilterForm, RuleSettingForm, RunForm
from .models import Problem, RuleSetting, Run
from .tasks import run_quality


def _areas_for(user, perm: str, levels: tuple[int, ...] = (1, 2, 3, 4, 5)) -> list[tuple[str, str]]:
    """Areas the user may pick for ``perm``: the subtrees where the permission is held, at the given levels."""
    roots = areas_with(user, perm)
    qs = Area.objects.filter(level__in=levels)
    if roots is not ALL:
        if not roots:
            return []
        qs = qs.filter(subtree_q("code", roots))
    return [(a.code, f"{'　' * (a.level - 1)}{a.name}") for a in qs.order_by("code")[:500]]


class OverviewView(PermissionRequiredMixin, View):
    """Scores per child area (drill down to the village), counts by rule, recent runs."""

    permission = "quality.view"

    def get(self, request, code: str | None = None):
        if code is None:
            roots = user_root_areas(request.user)
            if not roots:
                raise Http404
            code = roots[0]
        area = get_object_or_404(restrict(Area.objects.all(), request.user, "view"), code=code)
        children = list(area.children.order_by("code")) if area.level < 5 else []
        scores = selectors.scores(request.user, area.code, area.level + 1) if children else {}
        rows = [(c, scores.get(c.code, {})) for c in children]
        qs = selectors.in_area(selectors.problems_visible(request.user), area.code).filter(selectors.ACTIVE)
        context = {
            "area": area, "ancestors": Area.objects.filter(code__in=area_codes.ancestors(area.code)).order_by("code"),
            "rows": rows, "total": selectors.area_score(request.user, area.code),
            "by_rule": selectors.counts_by_rule(qs)[:50],
            "runs": selectors.runs_visible(request.user).filter(area_id=area.code)[:5],
            "can_run": has_perm(request.user, "quality.run", area.code),
            "max_per100": max([v.get("per100") or 0 for _c, v in rows] or [0]) or 1,
        }
        return render(request, "quality/overview.html", context)


def _filters(request) -> tuple[ProblemFilterForm, dict]:
    form = ProblemFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    return form, {"area": data.get("area") or request.GET.get("area") or None, "rule": data.get("rule") or None,
                  "status": data.get("status") or None, "severity": data.get("severity") or None,
                  "level": data.get("level") or None, "mine": bool(data.get("mine")),
                  "overdue": bool(data.get("overdue"))}


def _without_page(request) -> str:
    q = request.GET.copy()
    q.pop("page", None)
    return q.urlencode()


class ProblemListView(PermissionRequiredMixin, View):
    permission = "quality.view"

    def get(self, request):
        form, f = _filters(request)
        if f["area"] and not f["area"].isdigit():
            raise Http404
        qs = selectors.problem_list(request.user, **f).order_by("village_id", "household_number", "rule_code")
        page = Paginator(qs, settings.FUPIN_PAGE_SIZE).get_page(request.GET.get("page"))
        area = Area.objects.filter(code=f["area"]).first() if f["area"] else None
        return render(request, "quality/problem_list.html", {
            "form": form, "page": page, "area": area, "rule": CATALOGUE.get(f["rule"] or ""),
            "query": _without_page(request), "today": timezone.localdate(),
            "can_export": has_perm(request.user, "registry.export")})


class ProblemExportView(PermissionRequiredMixin, View):
    permission = "registry.export"

    def get(self, request):
        _form, f = _filters(request)
        qs = selectors.problem_list(request.user, **f)  # scoped by the selector
        total = qs.count()
        if total > settings.FUPIN_EXPORT_MAX_ROWS:
            messages.error(request, f"导出行数{total}超过上限{settings.FUPIN_EXPORT_MAX_ROWS}，请缩小筛选范围")
            return redirect(reverse("quality:problems") + "?" + request.GET.urlencode())
        villages = set(qs.values_list("village_id", flat=True).distinct())
        show_ids = bool(villages) and all(has_perm(request.user, "registry.view_id", v) for v in villages)
        path, rows = write_problems_xlsx(qs, show_ids=show_ids)
        masking.log_access(user=request.user, action="export", object_type="quality_problem", row_count=rows,
                           unmasked=show_ids, fields="problem_list", area_code=f["area"] or "",
                           detail={"filters": request.GET.dict()})
        response = FileResponse(open(path, "rb"), as_attachment=True,  # noqa: SIM115 - closed by Django
                                filename=f"问题清单_{timezone.localtime():%Y%m%d_%H%M}.xlsx")
        os.unlink(path)
        return response


class ProblemDetailView(PermissionRequiredMixin, View):
    permission = "quality.view"

    def get(self, request, pk, request_form=None, decision_form=None, status=200):
        problem = scoped_object_or_404(Problem.objects.select_related("village", "household", "member"),
                                       request.user, pk=pk)
        can_fix = has_perm(request.user, "quality.fix", problem.village_id)
        can_approve = has_perm(request.user, "quality.approve", problem.village_id) and \
            problem.exemption_requested_by_id != request.user.pk
        rule = problem.rule
        return render(request, "quality/problem_detail.html", {
            "problem": problem, "rule": rule, "field_labels": _field_labels(rule), "events": problem.events.all(),
            "can_fix": can_fix and problem.status == "open", "can_approve": can_approve and problem.status == "pending",
            "request_form": request_form or ExemptionRequestForm(initial={"version": problem.version}),
            "decision_form": decision_form or ExemptionDecisionForm(initial={"version": problem.version}),
        }, status=status)

    def post(self, request, pk):
        problem = scoped_object_or_404(Problem.objects.all(), request.user, pk=pk)
        action = request.POST.get("action")
        form = None
        try:
            if action == "request":
                form = ExemptionRequestForm(request.POST, request.FILES)
                if not form.is_valid():
                    return self.get(request, pk, request_form=form, status=400)
                services.exemption_request(actor=request.user, problem=problem, reason=form.cleaned_data["reason"],
                                           evidence=form.cleaned_data.get("evidence"),
                                           expected_version=form.cleaned_data["version"])
                messages.success(request, "豁免申请已提交，等待乡镇或县级审核")
            elif action == "decide":
                form = ExemptionDecisionForm(request.POST)
                if not form.is_valid():
                    return self.get(request, pk, decision_form=form, status=400)
                services.exemption_decide(actor=request.user, problem=problem,
                                          approve=form.cleaned_data["decision"] == "approve",
                                          comment=form.cleaned_data["comment"],
                                          expected_version=form.cleaned_data["version"])
                messages.success(request, "审核意见已保存")
            elif action == "recheck":
                if problem.household_id is None:
                    raise ApplicationError("村级问题请重新运行本村的核查")
                if not has_perm(request.user, "quality.fix", problem.village_id):
                    raise PermissionDenied("您没有整改该问题的权限")
                services.household_check(household=problem.household, actor=request.user)
                problem.refresh_from_db()
                messages.success(request, "已复核：问题已整改" if problem.status == "fixed" else "已复核：问题仍然存在")
            else:
                raise Http404
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from None
        except ApplicationError as exc:
            if form is not None and exc.field_errors:  # e.g. a rejection without a reason: keep the input, say why
                for name, errs in exc.field_errors.items():
                    form.add_error(name if name in form.fields else None, errs)
                key = "request_form" if action == "request" else "decision_form"
                return self.get(request, pk, status=400, **{key: form})
            messages.error(request, exc.message)
        return redirect("quality:problem", pk=pk)


def _field_labels(rule) -> list[str]:
    """The Chinese names of the fields to fix: ``household.x`` a household field, else a member field (a village
    rule's fields are the village profile's), as :attr:`Rule.fields` says."""
    from fupin.areas.models import VillageProfile
    from fupin.registry.models import Household, Member

    if rule is None:
        return []
    out = []
    for name in rule.fields:
        model = VillageProfile if rule.level == "village" else Household if name.startswith("household.") else Member
        field = name.removeprefix("household.")
        if field in FIELD_LABELS:
            out.append(FIELD_LABELS[field])
            continue
        try:
            f = model._meta.get_field(field)
        except Exception:
            out.append(field)
            continue
        # A related list (incomes, work records, helper assignments) by its model's name.
        out.append(str(f.related_model._meta.verbose_name if f.auto_created and not f.concrete else f.verbose_name))
    return out


# Fields whose model label does not say what to fix: the measure texts are the national measure columns.
FIELD_LABELS = {"extra": "帮扶措施（国家系统措施列）"}


class EvidenceView(PermissionRequiredMixin, View):
    """The exemption evidence of a problem, for users who may see the problem (access logged)."""

    permission = "quality.view"

    def get(self, request, pk):
        problem = scoped_object_or_404(Problem.objects.all(), request.user, pk=pk)
        if not problem.exemption_evidence:
            raise Http404
        masking.log_access(user=request.user, action="reveal", object_type="quality_evidence", object_id=pk,
                           area_code=problem.village_id, fields="exemption_evidence")
        return FileResponse(problem.exemption_evidence.open("rb"), as_attachment=False,
                            filename=os.path.basename(problem.exemption_evidence.name))


class RuleListView(PermissionRequiredMixin, View):
    permission = "quality.view"

    def get(self, request):
        settings_by_rule: dict[str, list[RuleSetting]] = {}
        for s in restrict(RuleSetting.objects.all(), request.user, "view").select_related("area"):
            settings_by_rule.setdefault(s.rule_code, []).append(s)
        families: dict[str, list] = {}
        for rule in CATALOGUE.values():
            families.setdefault(rule.family, []).append((rule, settings_by_rule.get(rule.code, [])))
        return render(request, "quality/rule_list.html", {
            "families": families, "total": len(CATALOGUE),
            "can_configure": has_perm(request.user, "quality.configure")})


class RuleDetailView(PermissionRequiredMixin, View):
    permission = "quality.view"

    def _rule(self, code):
        rule = CATALOGUE.get(code)
        if rule is None:
            raise Http404
        return rule

    def get(self, request, code, form=None, status=200):
        from django.contrib.contenttypes.models import ContentType

        from fupin.core.models import ObjectChange

        rule = self._rule(code)
        rows = list(restrict(RuleSetting.objects.filter(rule_code=code), request.user, "view").select_related("area"))
        areas = _areas_for(request.user, "quality.configure", levels=(1, 2, 3))
        if form is None and areas:
            form = RuleSettingForm(rule=rule, areas=areas)
        history = ObjectChange.objects.filter(
            content_type=ContentType.objects.get_for_model(RuleSetting),
            object_id__in=[str(s.pk) for s in rows]).order_by("-time")[:50]
        return render(request, "quality/rule_detail.html", {
            "rule": rule, "settings": rows, "form": form, "history": history,
            "defaults": [(p, p.show(p.default)) for p in rule.params]}, status=status)

    def post(self, request, code):
        rule = self._rule(code)
        areas = _areas_for(request.user, "quality.configure", levels=(1, 2, 3))
        if not areas:
            raise PermissionDenied("您没有设置规则参数的权限")
        form = RuleSettingForm(request.POST, rule=rule, areas=areas)
        if not form.is_valid():
            return self.get(request, code, form=form, status=400)
        try:
            services.rule_setting_save(
                actor=request.user, rule_code=code, area=Area.objects.get(code=form.cleaned_data["area"]),
                year=form.cleaned_data["year"] or 0, enabled=form.cleaned_data["enabled"],
                values=form.param_values(), note=form.cleaned_data["note"],
                expected_version=form.cleaned_data.get("version"))
        except ApplicationError as exc:
            for name, errs in exc.field_errors.items():
                field = f"p_{name}" if f"p_{name}" in form.fields else None
                for e in errs:
                    form.add_error(field, e)
            if not exc.field_errors:
                form.add_error(None, exc.message)
            return self.get(request, code, form=form, status=400)
        messages.success(request, "规则参数已保存，下次核查起生效")
        return redirect("quality:rule", code=code)


class RunListView(PermissionRequiredMixin, View):
    permission = "quality.view"

    def get(self, request, form=None, status=200):
        areas = _areas_for(request.user, "quality.run")
        if form is None and areas:
            form = RunForm(areas=areas)
        runs = selectors.runs_visible(request.user)[:30]
        return render(request, "quality/run_list.html", {"form": form, "runs": runs}, status=status)

    def post(self, request):
        areas = _areas_for(request.user, "quality.run")
        if not areas:
            raise PermissionDenied("您没有运行数据核查的权限")
        form = RunForm(request.POST, areas=areas)
        if not form.is_valid():
            return self.get(request, form=form, status=400)
        area_code = form.cleaned_data["area"]
        check_date: dt.date = form.cleaned_data["check_date"]
        job = Job.objects.create(kind="quality.run", user=request.user, area_code=area_code, message="等待运行",
                                 params={"area": area_code, "rules": form.cleaned_data["rules"],
                                         "check_date": check_date.isoformat()})
        try:
            run_quality.enqueue(str(job.pk), request.user.pk, area_code, form.cleaned_data["rules"],
                                check_date.isoformat())
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("quality:job", pk=job.pk)


class JobView(PermissionRequiredMixin, View):
    """Progress of a run started from the UI (polled with htmx); on success, the run."""

    permission = "quality.view"

    def get(self, request, pk):
        job = get_object_or_404(Job, pk=pk, kind="quality.run")
        if job.user_id != request.user.pk and not request.user.is_superuser:
            raise Http404
        run_id = (job.result or {}).get("run")
        if job.status == Job.Status.SUCCEEDED and run_id and not request.htmx:
            return redirect("quality:run", pk=run_id)
        if request.htmx and job.status == Job.Status.SUCCEEDED and run_id:
            response = render(request, "quality/_job.html", {"job": job})
            response["HX-Redirect"] = reverse("quality:run", args=[run_id])
            return response
        template = "quality/_job.html" if request.htmx else "quality/job.html"
        return render(request, template, {"job": job})


class RunDetailView(PermissionRequiredMixin, View):
    permission = "quality.view"

    def get(self, request, pk):
        run = scoped_object_or_404(Run.objects.select_related("area"), request.user, pk=pk)
        counts = [(CATALOGUE.get(code), code, n) for code, n in sorted(run.counts.items(), key=lambda kv: -kv[1])]
        return render(request, "quality/run_detail.html", {"run": run, "counts": counts})
