"""Writes to users and role assignments."""

from __future__ import annotations

from django.db import transaction

from fupin.core.changes import create_logged, update_logged
from fupin.core.errors import ApplicationError

from .models import Role, RoleAssignment, User

DEMO_PASSWORD = "fupin-demo-2026"
# (username, full name, role, area code or "county"/"township"/"village"/"city"/"province", department)
DEMO_USERS = [
    ("cun", "村信息员（演示）", "village_officer", "village", ""),
    ("bangfu", "帮扶责任人（演示）", "helper", "village", ""),
    ("xiang", "乡镇审核员（演示）", "township_reviewer", "township", ""),
    ("xian", "县级管理员（演示）", "county_admin", "county", ""),
    ("bumen", "医保局用户（演示）", "department", "county", "yb"),
    ("shi", "市级查看（演示）", "viewer", "city", ""),
    ("admin", "系统管理员（演示）", "sysadmin", "province", ""),
]


@transaction.atomic
def role_assign(*, actor, user: User, role_code: str, area, department: str = "") -> RoleAssignment:
    role = Role.objects.filter(code=role_code).first()
    if role is None:
        raise ApplicationError(f"角色{role_code}不存在", field_errors={"role": ["角色不存在"]})
    if role_code == "department" and not department:
        raise ApplicationError("行业部门用户必须指定部门", field_errors={"department": ["请选择行业部门"]})
    return create_logged(actor=actor, instance=RoleAssignment(user=user, role=role, area=area, department=department))


@transaction.atomic
def demo_users_create(*, actor=None, password: str = DEMO_PASSWORD) -> list[tuple[str, str, str, str]]:
    """One user per role in the demo county (first township, first village). Returns (username, password, role,
    area name) rows; existing users keep their password."""
    from fupin.areas.models import Area

    county = Area.objects.filter(level=3).order_by("code").first()
    if county is None:
        raise ApplicationError("尚无区划数据：请先运行 fupin seed 或 fupin areas import")
    lo, hi = county.subtree_range
    township = Area.objects.filter(level=4, code__gte=lo, code__lte=hi).order_by("code").first()
    village = Area.objects.filter(level=5, code__gte=township.subtree_range[0],
                                  code__lte=township.subtree_range[1]).order_by("code").first()
    places = {"county": county, "township": township, "village": village, "city": county.parent,
              "province": county.parent.parent if county.parent else county}
    rows = []
    for username, full_name, role, where, dept in DEMO_USERS:
        area = places[where]
        user, created = User.objects.get_or_create(username=username, defaults={"full_name": full_name})
        if created:
            user.set_password(password)
            if role == "sysadmin":
                user.is_staff = user.is_superuser = True  # the admin site checks Django's own permissions
            user.save()
        if not RoleAssignment.objects.filter(user=user, role_id=role, area=area).exists():
            role_assign(actor=actor, user=user, role_code=role, area=area, department=dept)
        rows.append((username, password if created else "（沿用原密码）", Role.objects.get(code=role).name, area.name))
    _link_demo_helper(village)
    return rows


def _link_demo_helper(village) -> None:
    """The demo helper user is the helper record of some households in the demo village."""
    from fupin.assistance.models import Helper

    user = User.objects.get(username="bangfu")
    if Helper.objects.filter(user=user).exists():
        return
    helper = Helper.objects.filter(area=village, user__isnull=True).first()
    if helper:
        update_logged(actor=None, instance=helper, changes={"user": user}, expected_version=helper.version,
                      summary="演示：关联帮扶责任人账号")
