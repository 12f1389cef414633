"""The change log and optimistic locking that every service write goes through.

``create_logged`` / ``update_logged`` / ``delete_logged`` validate the instance, write it and an
:class:`~fupin.core.models.ObjectChange` in the caller's transaction. Updates are conditional on the version the
caller read (``UPDATE ... WHERE id = %s AND version = %s``), so two people editing the same household cannot
silently overwrite each other: the second save raises :class:`ConcurrentEditError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from . import context
from .errors import ApplicationError, ConcurrentEditError, ValidationFailed
from .models import ObjectChange

CONFLICT_MESSAGE = "保存失败：数据与已有记录冲突（可能他人刚刚保存了相同的信息），请刷新后核对再保存"


def snapshot(instance: models.Model) -> dict:
    """JSON-safe field values of an instance (foreign keys by id), without stamps and excluded fields."""
    exclude = set(getattr(instance, "changelog_exclude", ()))
    data = {}
    for f in instance._meta.concrete_fields:
        if f.name in exclude or f.primary_key:
            continue
        key = f.attname if f.is_relation else f.name
        value = getattr(instance, f.attname)
        data[key] = value
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def validation_failed(exc: ValidationError) -> ValidationFailed:
    """Turn Django's ValidationError into our error with field names and Chinese messages."""
    if hasattr(exc, "error_dict"):
        field_errors = {
            (k if k != NON_FIELD_ERRORS else "__all__"): [m for e in v for m in e.messages]
            for k, v in exc.error_dict.items()
        }
    else:
        field_errors = {"__all__": list(exc.messages)}
    parts = [f"{k}: {'；'.join(v)}" if k != "__all__" else "；".join(v) for k, v in field_errors.items()]
    return ValidationFailed("数据校验未通过：" + "；".join(parts), field_errors=field_errors)


def full_clean(instance: models.Model, exclude: Iterable[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=list(exclude or []))
    except ValidationError as exc:
        raise validation_failed(exc) from None


def _scope_of(instance) -> tuple[int | None, str]:
    fn = getattr(instance, "changelog_scope", None)
    return fn() if fn else (None, "")


def log_change(
    *, actor, instance: models.Model, action: str, before: dict | None, after: dict | None, summary: str = ""
) -> ObjectChange:
    household_id, area_code = _scope_of(instance)
    return ObjectChange.objects.create(
        user=actor if getattr(actor, "pk", None) else None,
        user_name=getattr(actor, "username", "") or "system",
        request_id=context.request_id(),
        job_id=context.job_id(),
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        household_id=household_id,
        area_code=area_code or "",
        summary=summary[:200],
        prechange_data=before,
        postchange_data=after,
    )


def create_logged(
    *, actor, instance: models.Model, summary: str = "", clean: bool = True, validate=None
) -> models.Model:
    if hasattr(instance, "created_by_id") and getattr(actor, "pk", None):
        instance.created_by = actor
        instance.updated_by = actor
    if validate:
        validate(instance)
    if clean:
        full_clean(instance, exclude=["created_by", "updated_by"])
    try:
        with transaction.atomic():
            instance.save(force_insert=True)
    except IntegrityError:
        raise ApplicationError(CONFLICT_MESSAGE, code="integrity") from None
    log_change(actor=actor, instance=instance, action=ObjectChange.Action.CREATE, before=None,
               after=snapshot(instance), summary=summary)
    return instance


def check_version(instance: models.Model, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != instance.version:
        raise ConcurrentEditError()


def update_logged(
    *,
    actor,
    instance: models.Model,
    changes: dict,
    expected_version: int | None,
    summary: str = "",
    clean: bool = True,
    validate=None,
) -> list[str]:
    """Apply ``changes`` (field name -> value) to ``instance``; return the names of fields that really changed.

    ``expected_version`` is the version the user's form or request was based on; ``None`` means the caller holds
    a row lock it took itself (services that update derived fields) and skips the check. ``validate`` is called
    with the changed instance after field validation, for rules that need the database.
    """
    check_version(instance, expected_version)
    before = snapshot(instance)
    for name, value in changes.items():
        setattr(instance, name, value)
    if validate:
        validate(instance)
    if clean:
        full_clean(instance, exclude=["created_by", "updated_by"])
    after = snapshot(instance)
    changed_keys = [k for k in after if after[k] != before.get(k)]
    if not changed_keys:
        return []
    attnames = {f.attname: f for f in instance._meta.concrete_fields}
    values = {attnames[k].attname: getattr(instance, attnames[k].attname) for k in changed_keys}
    now = timezone.now()
    extra = {"updated_at": now}
    if hasattr(instance, "updated_by_id"):
        extra["updated_by"] = actor if getattr(actor, "pk", None) else None
    version_filter = {"version": instance.version}
    try:
        with transaction.atomic():
            updated = type(instance)._base_manager.filter(pk=instance.pk, **version_filter).update(
                **values, **extra, version=F("version") + 1
            )
    except IntegrityError:
        raise ApplicationError(CONFLICT_MESSAGE, code="integrity") from None
    if updated == 0:
        raise ConcurrentEditError()
    instance.version += 1
    instance.updated_at = now
    log_change(
        actor=actor,
        instance=instance,
        action=ObjectChange.Action.UPDATE,
        before={k: before.get(k) for k in changed_keys},
        after={k: after[k] for k in changed_keys},
        summary=summary,
    )
    return [attnames[k].name for k in changed_keys]


def delete_logged(*, actor, instance: models.Model, summary: str = "") -> None:
    before = snapshot(instance)
    log_change(actor=actor, instance=instance, action=ObjectChange.Action.DELETE, before=before, after=None,
               summary=summary)
    instance.delete()


def log_bulk(*, actor, model: type[models.Model], entries: Iterable[dict], batch_size: int = 5000) -> int:
    """Write many ObjectChange rows at once (imports). Each entry: object_id, object_repr, action, before, after,
    and optionally household_id, area_code, summary."""
    ct = ContentType.objects.get_for_model(model, for_concrete_model=True)
    rid, jid = context.request_id(), context.job_id()
    user = actor if getattr(actor, "pk", None) else None
    user_name = getattr(actor, "username", "") or "system"
    rows = [
        ObjectChange(
            user=user, user_name=user_name, request_id=rid, job_id=jid, action=e["action"], content_type=ct,
            object_id=str(e["object_id"]), object_repr=str(e["object_repr"])[:200],
            household_id=e.get("household_id"), area_code=e.get("area_code", ""), summary=e.get("summary", ""),
            prechange_data=e.get("before"), postchange_data=e.get("after"),
        )
        for e in entries
    ]
    ObjectChange.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)
