"""Application errors: raised by services, turned into form errors, API responses and CLI messages."""

from __future__ import annotations


class ApplicationError(Exception):
    """A business error with a stable code and a Chinese message. ``field_errors`` maps field -> [messages]."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}
        if code:
            self.code = code


class ValidationFailed(ApplicationError):
    code = "invalid"


class ConcurrentEditError(ApplicationError):
    """Someone saved the record after this form/request read it (optimistic locking)."""

    code = "conflict"
    status = 409

    def __init__(self, message: str | None = None):
        super().__init__(message or "该记录已被其他人修改，请刷新页面查看最新内容后再保存。您的修改尚未保存。")


class PermissionDeniedError(ApplicationError):
    code = "permission_denied"
    status = 403
