"""What a user may see of personal data (ID numbers, phones, bank accounts) and the reveal/export log."""

from __future__ import annotations

from fupin.accounts.scoping import has_perm

from . import context, idnumber, phone
from .models import AccessLog

ID_FIELDS = {"id_number", "head_id_number"}
CONTACT_FIELDS = {"phone", "bank_account", "first_secretary_phone"}


def perm_for_field(field: str) -> str | None:
    if field in ID_FIELDS:
        return "registry.view_id"
    if field in CONTACT_FIELDS:
        return "registry.view_contact"
    return None


def mask_value(field: str, value: str | None) -> str:
    if not value:
        return ""
    if field in ID_FIELDS:
        return idnumber.mask(value)
    if field == "bank_account":
        return phone.mask_account(value)
    return phone.mask(value)


def may_see(user, field: str, area_code: str | None = None) -> bool:
    perm = perm_for_field(field)
    return perm is None or has_perm(user, perm, area_code)


def shown(user, field: str, value: str | None, area_code: str | None, *, reveal: bool = False) -> str:
    """The value as the user may see it: masked unless ``reveal`` and the role allows it."""
    if reveal and may_see(user, field, area_code):
        return value or ""
    return mask_value(field, value)


def log_access(*, user, action: str, object_type: str = "", object_id: str = "", area_code: str = "",
               fields: str = "", row_count: int | None = None, unmasked: bool = False,
               detail: dict | None = None) -> AccessLog:
    return AccessLog.objects.create(
        user=user if getattr(user, "pk", None) else None, user_name=getattr(user, "username", ""),
        request_id=context.request_id(), action=action, object_type=object_type, object_id=str(object_id),
        area_code=area_code or "", fields=fields[:200], row_count=row_count, unmasked=unmasked, detail=detail or {},
    )
