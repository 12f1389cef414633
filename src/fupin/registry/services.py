"""Writes to the registry. Views, API, imports and jobs all call these; each is atomic and change-logged.

Status fields (户类型, 监测对象类别, 风险消除 ...) change only through :func:`household_set_status`, which procedures
and imports call with a reason; the ordinary edit refuses them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from fupin.core import idnumber
from fupin.core.changes import check_version, create_logged, update_logged
from fupin.core.errors import ApplicationError, ValidationFailed

from .models import HEAD, Household, IncomeRecord, Member, WorkRecord

STATUS_FIELDS = frozenset({
    "household_type", "monitor_kind", "monitor_identified_month", "risk_eliminated", "elimination_way",
    "eliminated_month", "year_exited", "returned_year", "returned_cause",
})
SYSTEM_FIELDS = frozenset({"is_active", "cancel_reason", "cancel_date", "number", "extra"})
# Reason a member leaves when the whole household is cancelled (销户原因 -> 成员减少原因).
CANCEL_TO_LEFT_REASON = {"1": "1", "2": "3", "3": "9", "9": "9"}


def _refresh_summary(household_id: int) -> None:
    """Recompute the household's list summary (head, size, latest income). Not logged: it follows from logged
    changes of members and incomes, and it must not bump ``version`` (it would make open edit forms stale)."""
    active = Member.objects.filter(household_id=household_id, is_active=True)
    head = active.filter(relationship=HEAD).values_list("name", "id_number").first() or ("", "")
    latest = (IncomeRecord.objects.filter(household_id=household_id).order_by("-year")
              .values_list("year", "per_capita_income").first() or (None, None))
    Household.objects.filter(pk=household_id).update(
        head_name=head[0], head_id_number=head[1], size=active.count(),
        income_year=latest[0], per_capita_income=latest[1],
    )


def next_household_number(village_code: str) -> str:
    """Village code + 4-digit sequence, the next free one in the village."""
    last = (Household.objects.filter(number__startswith=village_code, number__regex=r"^\d{16}$")
            .order_by("-number").values_list("number", flat=True).first())
    seq = int(last[12:]) + 1 if last else 1
    return f"{village_code}{seq:04d}"


# --- households --------------------------------------------------------------------------------------------------

@transaction.atomic
def household_create(
    *, actor, data: dict, head: dict, members: list[dict] | None = None, income: dict | None = None,
    summary: str = "新建农户",
) -> Household:
    """Create a household with its head (required), other members and optionally one year's income."""
    data = dict(data)
    if not data.get("number"):
        village = data.get("village")
        if village is None:
            raise ValidationFailed("请选择行政村", field_errors={"village": ["请选择行政村"]})
        data["number"] = next_household_number(village.code if hasattr(village, "code") else str(village))
    household = Household(**data)
    create_logged(actor=actor, instance=household, summary=summary)
    head = {**head, "relationship": HEAD}
    errors: dict[str, list[str]] = {}
    for i, member_data in enumerate([head, *(members or [])]):
        try:
            _member_create(actor=actor, household=household, data=member_data, summary=summary)
        except ValidationFailed as exc:
            prefix = "head" if i == 0 else f"members[{i - 1}]"
            for k, v in exc.field_errors.items():
                errors[f"{prefix}.{k}"] = v
    if errors:
        raise ValidationFailed("成员信息校验未通过：" + "；".join(f"{k}: {'；'.join(v)}" for k, v in errors.items()),
                               field_errors=errors)
    if income:
        income_save(actor=actor, household=household, year=income.pop("year"), data=income)
    _refresh_summary(household.pk)
    household.refresh_from_db()
    return household


@transaction.atomic
def household_update(*, actor, household: Household, data: dict, expected_version: int) -> list[str]:
    """Edit ordinary fields. Status fields go through household_set_status, cancellation through household_cancel."""
    refused = sorted((STATUS_FIELDS | SYSTEM_FIELDS) & set(data))
    if refused:
        raise ApplicationError(f"字段 {'、'.join(refused)} 不能在此修改：户类型和监测状态只能通过业务程序变更",
                               field_errors={f: ["只能通过业务程序变更"] for f in refused})
    household = Household.objects.select_for_update().get(pk=household.pk)
    if not household.is_active:
        check_version(household, expected_version)
        raise ApplicationError("该户已销户，不能修改")
    return update_logged(actor=actor, instance=household, changes=data, expected_version=expected_version)


@transaction.atomic
def household_set_status(
    *, actor, household: Household, data: dict, reason: str, expected_version: int | None
) -> list[str]:
    """Change status fields (户类型, 监测, 风险消除 ...). Called by procedures, imports and authorised corrections;
    ``reason`` is written to the change log."""
    unknown = set(data) - STATUS_FIELDS - {"risk_types"}
    if unknown:
        raise ApplicationError(f"不是状态字段：{'、'.join(sorted(unknown))}")
    if not reason.strip():
        raise ValidationFailed("状态变更必须说明原因", field_errors={"reason": ["请填写变更原因"]})
    household = Household.objects.select_for_update().get(pk=household.pk)
    return update_logged(actor=actor, instance=household, changes=data, expected_version=expected_version,
                         summary=f"状态变更：{reason}"[:200])


@transaction.atomic
def household_cancel(*, actor, household: Household, reason: str, date: dt.date, expected_version: int) -> None:
    """自然销户: the household and all its members leave the registry; nothing is deleted."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    check_version(household, expected_version)
    if not household.is_active:
        raise ApplicationError("该户已销户")
    left_reason = CANCEL_TO_LEFT_REASON.get(reason, "9")
    for member in household.members.filter(is_active=True).select_related("household"):
        update_logged(actor=actor, instance=member, expected_version=None, summary="整户销户",
                      changes={"is_active": False, "left_reason": left_reason, "left_date": date,
                               "left_note": "整户销户"})
    update_logged(actor=actor, instance=household, expected_version=expected_version, summary="自然销户",
                  changes={"is_active": False, "cancel_reason": reason, "cancel_date": date})
    _refresh_summary(household.pk)


# --- members -----------------------------------------------------------------------------------------------------

def _check_member_rules(member: Member) -> None:
    """Rules that need the database: one active household per ID number, one head per household."""
    errors: dict[str, list[str]] = {}
    number = idnumber.normalize(member.id_number)
    if number and member.is_active:
        other = (Member.objects.filter(id_number=number, is_active=True).exclude(pk=member.pk)
                 .select_related("household").first())
        if other:
            errors["id_number"] = [f"该证件号码已在户编号{other.household.number}中登记为在户成员"
                                   f"（一个证件号码只能在一个在册户中）"]
    if member.relationship == HEAD and member.is_active:
        head = (Member.objects.filter(household_id=member.household_id, is_active=True, relationship=HEAD)
                .exclude(pk=member.pk).first())
        if head:
            errors["relationship"] = [f"该户已有户主{head.name}；更换户主请使用“更换户主”"]
    if errors:
        raise ValidationFailed("；".join(m for v in errors.values() for m in v), field_errors=errors)


def _member_create(*, actor, household: Household, data: dict, summary: str) -> Member:
    member = Member(household=household, **data)
    return create_logged(actor=actor, instance=member, summary=summary, validate=_check_member_rules)


@transaction.atomic
def member_add(*, actor, household: Household, data: dict, reason: str, date: dt.date | None) -> Member:
    """自然增加: a new member joins (birth, marriage, return ...)."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    if not household.is_active:
        raise ApplicationError("该户已销户，不能增加成员")
    if not reason:
        raise ValidationFailed("请选择成员增加原因", field_errors={"joined_reason": ["请选择成员增加原因"]})
    data = {**data, "joined_reason": reason, "joined_date": date}
    member = _member_create(actor=actor, household=household, data=data, summary="成员自然增加")
    _refresh_summary(household.pk)
    return member


@transaction.atomic
def member_update(*, actor, member: Member, data: dict, expected_version: int) -> list[str]:
    refused = sorted({"is_active", "left_reason", "left_date", "left_note", "household", "household_id"} & set(data))
    if refused:
        raise ApplicationError("成员减少请使用“成员减少”，不能直接修改在户状态")
    member = Member.objects.select_for_update().select_related("household").get(pk=member.pk)
    if not member.is_active:
        check_version(member, expected_version)
        raise ApplicationError("该成员已减少，不能修改；如需恢复请办理成员增加")
    if member.relationship == HEAD and data.get("relationship", HEAD) != HEAD:
        raise ValidationFailed("户主的关系不能直接修改；请使用“更换户主”",
                               field_errors={"relationship": ["户主的关系不能直接修改；请使用“更换户主”"]})
    changed = update_logged(actor=actor, instance=member, changes=data, expected_version=expected_version,
                            validate=_check_member_rules)
    _refresh_summary(member.household_id)
    return changed


@transaction.atomic
def household_change_head(
    *, actor, household: Household, new_head: Member, old_head_relationship: str, expected_version: int
) -> None:
    """更换户主: the new head gets relationship 户主, the old head the relationship given (e.g. 配偶)."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    check_version(household, expected_version)
    new_head.refresh_from_db()
    if new_head.household_id != household.pk or not new_head.is_active:
        raise ValidationFailed("新户主必须是本户在户成员", field_errors={"new_head": ["新户主必须是本户在户成员"]})
    if old_head_relationship == HEAD:
        raise ValidationFailed("原户主的新关系不能是户主", field_errors={"old_head_relationship": ["请选择户主以外的关系"]})
    old = household.members.filter(is_active=True, relationship=HEAD).first()
    if old and old.pk != new_head.pk:
        update_logged(actor=actor, instance=old, changes={"relationship": old_head_relationship},
                      expected_version=None, summary="更换户主")
    update_logged(actor=actor, instance=new_head, changes={"relationship": HEAD}, expected_version=None,
                  summary="更换户主")
    _refresh_summary(household.pk)


@transaction.atomic
def member_remove(
    *, actor, member: Member, reason: str, date: dt.date, note: str = "", expected_version: int,
    new_head: Member | None = None, old_head_relationship: str | None = None,
) -> None:
    """自然减少: the member leaves (death, marriage out, moved ...) and is kept with reason and date.
    Removing the head needs ``new_head``; removing the last member is refused (cancel the household instead)."""
    member = Member.objects.select_for_update().select_related("household").get(pk=member.pk)
    check_version(member, expected_version)
    if not member.is_active:
        raise ApplicationError("该成员已减少")
    if not reason:
        raise ValidationFailed("请选择成员减少原因", field_errors={"left_reason": ["请选择成员减少原因"]})
    others = member.household.members.filter(is_active=True).exclude(pk=member.pk)
    if member.is_head:
        if not others.exists():
            raise ApplicationError("该户仅剩户主一人，不能减少；整户情况请办理销户")
        if new_head is None or not others.filter(pk=new_head.pk).exists():
            raise ValidationFailed("减少户主时必须指定新户主（本户其他在户成员）",
                                   field_errors={"new_head": ["请选择新户主"]})
    update_logged(actor=actor, instance=member, expected_version=expected_version, summary="成员自然减少",
                  changes={"is_active": False, "left_reason": reason, "left_date": date, "left_note": note})
    if member.is_head and new_head is not None:
        new_head.refresh_from_db()
        update_logged(actor=actor, instance=new_head, changes={"relationship": HEAD}, expected_version=None,
                      summary="原户主减少，更换户主")
    _refresh_summary(member.household_id)


# --- incomes -----------------------------------------------------------------------------------------------------

@transaction.atomic
def income_save(
    *, actor, household: Household, year: int, data: dict, expected_version: int | None = None
) -> IncomeRecord:
    """Create or update the household's income for ``year``; net and per-capita income are computed.
    ``household_size`` defaults to the current number of members in the household."""
    data = {k: (Decimal(str(v)) if isinstance(v, int | float) else v) for k, v in data.items()}
    record = IncomeRecord.objects.select_for_update().filter(household=household, year=year).first()
    if record is None:
        if expected_version not in (None, 0):
            raise ApplicationError(f"{year}年收入记录不存在，可能已被删除，请刷新页面")
        data.setdefault("household_size", household.members.filter(is_active=True).count() or None)
        record = IncomeRecord(household=household, year=year, **data)
        record.compute()
        create_logged(actor=actor, instance=record, summary=f"登记{year}年收入")
    else:
        if expected_version is None:
            raise ApplicationError(f"{year}年收入已登记，请在原记录上修改", field_errors={"year": ["该年度收入已登记"]})
        merged = {**data}
        probe = IncomeRecord(**{f.attname: getattr(record, f.attname) for f in IncomeRecord._meta.concrete_fields})
        for k, v in merged.items():
            setattr(probe, k, v)
        probe.compute()
        merged["net_income"], merged["per_capita_income"] = probe.net_income, probe.per_capita_income
        update_logged(actor=actor, instance=record, changes=merged, expected_version=expected_version,
                      summary=f"修改{year}年收入")
    _refresh_summary(household.pk)
    return record


# --- work records ------------------------------------------------------------------------------------------------

@transaction.atomic
def work_record_save(*, actor, member: Member, data: dict, record: WorkRecord | None = None,
                     expected_version: int | None = None) -> WorkRecord:
    if record is None:
        return create_logged(actor=actor, instance=WorkRecord(member=member, **data), summary="登记务工信息")
    update_logged(actor=actor, instance=record, changes=data, expected_version=expected_version,
                  summary="修改务工信息")
    return record
