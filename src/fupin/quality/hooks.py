"""Checks while editing: after a household, member, income or work record is saved (UI or API), the same rules
as a run are evaluated for that household, its problem list is brought up to date, and the findings are shown.

The save has already committed when the check runs: a failing check never undoes a save; it is logged and the
user is told that the check could not run.
"""

from __future__ import annotations

import logging

from django.contrib import messages

logger = logging.getLogger(__name__)


def check_after_save(household, actor) -> list[dict] | None:
    """Findings for the household (as dicts for messages / JSON), or None when the check failed."""
    from . import services

    try:
        findings = services.household_check(household=household, actor=actor)
    except Exception:  # the save stands; the next run or recheck will catch up
        logger.exception("quality check after save failed for household %s", household.pk)
        return None
    return services.findings_as_messages(findings)


def message_after_save(request, household) -> None:
    """Add a UI message summarising the household's data-quality findings after a save."""
    found = check_after_save(household, request.user)
    if found is None:
        messages.warning(request, "已保存，但数据质量核查未能完成，请稍后在“数据质量”中复核")
    elif found:
        errors = sum(1 for f in found if f["severity"] == "error")
        text = f"数据质量核查发现该户{len(found)}个问题" + (f"（其中{errors}个错误）" if errors else "") + "，请见“数据质量”栏"
        (messages.error if errors else messages.warning)(request, text)


def quality_problems(user, household) -> list | None:
    """Active problems of a household for its detail page (None when the user may not see problem lists)."""
    from fupin.accounts.scoping import has_perm

    from .models import Problem

    if not has_perm(user, "quality.view", household.village_id):
        return None
    return list(Problem.objects.filter(household=household, status__in=Problem.ACTIVE).select_related("member")
                .order_by("severity", "rule_code"))
