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
    labels = {}
    serializer_class = getattr(view, "get_serializer_class", None)
    if serializer_class:
        try:
            fields = serializer_class()().fields
            labels = {name: str(f.label or name) for name, f in fields.items()}
        except Exception:  # noqa: BLE001 - a summary must never hide the real error
            labels = {}
    parts = []
    for name, messages in field_errors.items():
        if isinstance(messages, dict):
            messages = [f"{k}: {v}" for k, v in messages.items()]
        elif not isinstance(messages, list):
            messages = [messages]
        text = "；".join(str(m) for m in messages)
        parts.append(text if name in ("non_field_errors", "__all__") else f"{labels.get(name, name)}：{text}")
    return "；".join(parts)


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
