"""API foundations shared by every app: pagination, the error format, and the scoped viewset base."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApplicationError


class Pagination(PageNumberPagination):
    """``count`` / ``next`` / ``previous`` / ``results``; ``?page_size=`` up to FUPIN_API_MAX_PAGE_SIZE."""

    page_size = settings.FUPIN_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = settings.FUPIN_API_MAX_PAGE_SIZE


def _labelled(view, field_errors: dict) -> str:
    """A one-line Chinese summary naming each field by its label: ``证件号码：校验码错误…``."""
    fields = {}
    serializer_class = getattr(view, "get_serializer_class", None)
    if serializer_class:
        try:
            fields = serializer_class()().fields
        except Exception:  # noqa: BLE001 - a summary must never hide the real error
            fields = {}
    parts = []
    for name, messages in _flatten(field_errors):
        text = "；".join(str(m) for m in messages)
        if name in ("non_field_errors", "__all__"):
            parts.append(text)
        else:
            parts.append(f"{_label_path(fields, name)}：{text}")
    return "；".join(parts)


def _label_path(fields, dotted: str) -> str:
    """``head.name`` -> ``户主.姓名`` using the serializer's (nested) field labels."""
    out = []
    for part in dotted.split("."):
        f = fields.get(part) if hasattr(fields, "get") else None
        out.append(str(f.label) if f is not None and f.label else part)
        fields = getattr(f, "fields", {}) if f is not None else {}
    return ".".join(out)


def _flatten(errors, prefix: str = ""):
    """Nested serializer errors as (dotted.field, [messages])."""
    if isinstance(errors, dict):
        for k, v in errors.items():
            yield from _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(errors, list) and errors and isinstance(errors[0], dict):
        for i, v in enumerate(errors):
            yield from _flatten(v, f"{prefix}[{i}]")
    else:
        yield prefix, errors if isinstance(errors, list) else [errors]


def exception_handler(exc, context):
    """Errors as ``{"detail": "<Chinese summary>", "code": ..., "errors": {field: [messages]}}``."""
    view = context.get("view")
    if isinstance(exc, ApplicationError):
        errors = {("non_field_errors" if k == "__all__" else k): v for k, v in exc.field_errors.items()}
        body = {"detail": exc.message, "code": exc.code}
        if errors:
            body["errors"] = errors
        return Response(body, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("未找到该记录，或不在您的管辖范围内。")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        data = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"detail": "数据校验未通过：" + _labelled(view, data), "code": "invalid", "errors": data}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"]),
                         "code": getattr(response.data["detail"], "code", "error")}
    if response.status_code == status.HTTP_409_CONFLICT:
        response.data.setdefault("code", "conflict")
    return response


class ScopedViewSetMixin:
    """Every queryset through restrict(); writes need the action's permission over the object's area.

    Reads outside the user's areas are 404; a visible object the role may not change is 403.
    """

    action_perms = {"create": "add", "update": "change", "partial_update": "change", "destroy": "delete"}

    def get_queryset(self):
        from fupin.accounts.scoping import restrict

        return restrict(super().get_queryset(), self.request.user, "view")

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        from fupin.accounts.scoping import has_perm, perm_name

        from .views import area_code_of

        action = self.action_perms.get(self.action)
        if action is None and request.method not in ("GET", "HEAD", "OPTIONS"):
            action = "change"
        if action and not has_perm(request.user, perm_name(self.queryset.model, action), area_code_of(obj)):
            raise exceptions.PermissionDenied("您的角色不能在该区划进行此操作")

    def require_perm(self, action: str, area_code: str) -> None:
        from fupin.accounts.scoping import has_perm, perm_name

        if not has_perm(self.request.user, perm_name(self.queryset.model, action), area_code):
            raise exceptions.PermissionDenied("您的角色不能在该区划进行此操作")


def expected_version(request) -> int:
    """The version a PUT/PATCH is based on: body ``version`` or an ``If-Match`` header."""
    value = request.data.get("version") if hasattr(request.data, "get") else None
    if value in (None, ""):
        value = request.headers.get("If-Match", "").strip('"W/ ')
    try:
        return int(value)
    except (TypeError, ValueError):
        raise exceptions.ValidationError(
            {"version": ["修改时必须提供读取时的 version（或 If-Match 头），以免覆盖他人的修改"]}) from None
