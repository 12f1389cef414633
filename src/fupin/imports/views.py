"""Staged import pages (upload → report → confirm → progress → summary), the template and person exports."""

from __future__ import annotations

import os
from pathlib import Path

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from fupin.accounts.scoping import restrict
from fupin.core import masking
from fupin.core.errors import ApplicationError
from fupin.core.views import PermissionRequiredMixin
from fupin.registry import selectors
from fupin.registry.views import _filtered

from . import exports, services
from .forms import ConfirmForm, UploadForm
from .models import ImportBatch
from .tasks import load_import, validate_import
from .template_book import write_template


def _batch_for(request, pk) -> ImportBatch:
    """A batch is seen by the user who uploaded it (and superusers)."""
    batch = get_object_or_404(ImportBatch, pk=pk)
    if batch.user_id != request.user.pk and not request.user.is_superuser:
        raise Http404
    return batch


class ImportListView(PermissionRequiredMixin, View):
    permission = "registry.import"

    def get(self, request):
        form = UploadForm(initial={"income_year": services.default_income_year()})
        return self._render(request, form)

    def post(self, request):
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, form, status=400)
        try:
            batch = services.batch_create(actor=request.user, uploaded=form.cleaned_data["file"],
                                          fmt=form.cleaned_data["format"],
                                          income_year=form.cleaned_data["income_year"])
        except ApplicationError as exc:
            form.add_error("file", exc.message)
            return self._render(request, form, status=400)
        validate_import.enqueue(str(batch.id))
        return redirect("imports:detail", pk=batch.id)

    def _render(self, request, form, status=200):
        batches = ImportBatch.objects.filter(user=request.user).select_related("load_job")[:20]
        return render(request, "imports/list.html", {"form": form, "batches": batches}, status=status)


class ImportDetailView(PermissionRequiredMixin, View):
    permission = "registry.import"

    def get(self, request, pk):
        batch = _batch_for(request, pk)
        job = batch.load_job if batch.status == ImportBatch.Status.LOADING else batch.validate_job
        context = {"batch": batch, "job": job, "report": batch.report or {}, "result": batch.result or {},
                   "confirm": ConfirmForm(initial={"skip_bad_rows": batch.skip_bad_rows})}
        if request.htmx and batch.is_busy:
            return render(request, "imports/_progress.html", context)
        if request.htmx:
            response = render(request, "imports/_progress.html", context)
            response["HX-Refresh"] = "true"  # finished: show the full report
            return response
        return render(request, "imports/detail.html", context)


class ImportLoadView(PermissionRequiredMixin, View):
    permission = "registry.import"

    def post(self, request, pk):
        batch = _batch_for(request, pk)
        if batch.status != ImportBatch.Status.VALIDATED:
            messages.error(request, f"该批次当前状态为“{batch.get_status_display()}”，不能导入")
            return redirect("imports:detail", pk=batch.id)
        form = ConfirmForm(request.POST)
        form.is_valid()
        skip = form.cleaned_data.get("skip_bad_rows", False)
        if batch.report.get("error_rows") and not skip:
            messages.error(request, "文件有错误的行：请修正后重新上传，或勾选“跳过有错误的户”后再确认导入")
            return redirect("imports:detail", pk=batch.id)
        updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.VALIDATED).update(
            skip_bad_rows=skip, status=ImportBatch.Status.LOADING)
        if not updated:  # a second click or a second tab
            messages.info(request, "该批次已在导入")
            return redirect("imports:detail", pk=batch.id)
        load_import.enqueue(str(batch.id))
        return redirect("imports:detail", pk=batch.id)


class ImportDiscardView(PermissionRequiredMixin, View):
    permission = "registry.import"

    def post(self, request, pk):
        batch = _batch_for(request, pk)
        if batch.status in (ImportBatch.Status.VALIDATED, ImportBatch.Status.INVALID):
            services.batch_discard(batch)
            messages.info(request, f"已取消导入“{batch.original_name}”，未写入任何数据")
        return redirect("imports:list")


class ImportErrorsView(PermissionRequiredMixin, View):
    permission = "registry.import"

    def get(self, request, pk):
        batch = _batch_for(request, pk)
        if not batch.errors_path or not Path(batch.errors_path).exists():
            raise Http404
        stem = Path(batch.original_name).stem
        return FileResponse(open(batch.errors_path, "rb"), as_attachment=True,  # noqa: SIM115
                            filename=f"{stem}_问题清单.xlsx")


class TemplateView(PermissionRequiredMixin, View):
    permission = "registry.view"

    def get(self, request):
        path = write_template()
        response = FileResponse(open(path, "rb"), as_attachment=True, filename="农户成员导入模板.xlsx")  # noqa: SIM115
        os.unlink(path)
        return response


class PersonExportView(PermissionRequiredMixin, View):
    """The household list's filters, exported one row per person in the template or national layout."""

    permission = "registry.export"

    def get(self, request):
        layout = request.GET.get("layout", "national")
        fmt = request.GET.get("fmt", "xlsx")
        if layout not in ("national", "template") or fmt not in ("xlsx", "csv"):
            raise Http404
        filterset = _filtered(request)
        if not filterset.is_valid():
            messages.error(request, "筛选条件有误，无法导出")
            return redirect("registry:household-list")
        qs = restrict(filterset.qs, request.user, "export")
        ids = list(qs.values_list("pk", flat=True))
        show_ids, show_contact = selectors.export_visibility(qs, request.user)
        df = exports.person_frame(user=request.user, layout=layout, household_ids=ids, show_ids=show_ids,
                                  show_contact=show_contact)
        path = exports.write(df, fmt=fmt)
        masking.log_access(user=request.user, action="export", object_type=f"person:{layout}", row_count=df.height,
                           unmasked=show_ids or show_contact, fields=f"person_list:{layout}:{fmt}",
                           detail={"filters": request.GET.dict()})
        name = {"national": "人员信息_国家系统格式", "template": "人员信息_本系统模板"}[layout]
        response = FileResponse(open(path, "rb"), as_attachment=True,  # noqa: SIM115
                                filename=f"{name}_{timezone.localtime():%Y%m%d_%H%M}.{fmt}")
        os.unlink(path)
        return response

