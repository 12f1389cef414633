"""Shared fixtures: a small area tree, one user per role, and households built through the services."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from rest_framework.test import APIClient

from fupin.accounts.models import User
from fupin.accounts.services import role_assign
from fupin.areas.models import Area, VillageGroup
from fupin.core import idnumber
from fupin.registry import services

PASSWORD = "Test-pass-2026!"
_seq = itertools.count(1)


def new_id(birth: dt.date = dt.date(1980, 5, 6), male: bool = True, area: str = "450299") -> str:
    """A fresh valid ID number (sequence numbers never repeat within a test run)."""
    n = next(_seq)
    seq = (2 * n + (1 if male else 0)) % 1000
    return idnumber.make(area, birth + dt.timedelta(days=n // 499), seq)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 takes ~0.3 s a user on these machines; tests need no real hashing strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def areas(db):
    """广西 > 柳州 > 清溪县 > 甲镇 (村A, 村B) / 乙镇 (村C); another county 丙县 > 丁镇 > 村D."""
    rows = [
        ("450000000000", "广西壮族自治区", 1, None), ("450200000000", "柳州市", 2, "450000000000"),
        ("450299000000", "清溪县", 3, "450200000000"), ("450299100000", "甲镇", 4, "450299000000"),
        ("450299100201", "村A", 5, "450299100000"), ("450299100202", "村B", 5, "450299100000"),
        ("450299101000", "乙镇", 4, "450299000000"), ("450299101201", "村C", 5, "450299101000"),
        ("450298000000", "丙县", 3, "450200000000"), ("450298100000", "丁镇", 4, "450298000000"),
        ("450298100201", "村D", 5, "450298100000"),
    ]
    out = {}
    for code, name, level, parent in rows:
        out[name] = Area.objects.create(code=code, name=name, level=level, parent_id=parent)
    VillageGroup.objects.create(village=out["村A"], name="第1村民小组", sort=1)
    return out


def make_user(username: str, role: str | None, area: Area | None, department: str = "") -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=username)
    if role:
        role_assign(actor=None, user=user, role_code=role, area=area, department=department)
    return user


@pytest.fixture
def users(areas):
    """One user per role in the test county, plus an officer of another village and a user with no role."""
    return {
        "officer": make_user("officer", "village_officer", areas["村A"]),
        "officer_b": make_user("officer_b", "village_officer", areas["村B"]),
        "helper": make_user("helper", "helper", areas["村A"]),
        "township": make_user("township", "township_reviewer", areas["甲镇"]),
        "county": make_user("county", "county_admin", areas["清溪县"]),
        "department": make_user("department", "department", areas["清溪县"], "yb"),
        "viewer": make_user("viewer", "viewer", areas["柳州市"]),
        "sysadmin": make_user("sysadmin", "sysadmin", areas["广西壮族自治区"]),
        "other_county": make_user("other_county", "county_admin", areas["丙县"]),
        "norole": make_user("norole", None, None),
    }


def head_data(**kw) -> dict:
    data = {"name": "张三", "id_number": new_id(), "education": "03", "health": "1", "labour_capacity": "2",
            "med_resident": True, "med_critical": True}
    data.update(kw)
    return data


def household_data(village: Area, **kw) -> dict:
    data = {"village": village, "household_type": "2", "year_identified": 2016, "year_exited": 2019,
            "address": "测试地址1号", "phone": "13800138000", "water_safe": True}
    data.update(kw)
    return data


@pytest.fixture
def make_household(users):
    def _make(village: Area, *, actor=None, head=None, members=(), **kw):
        return services.household_create(actor=actor or users["county"], data=household_data(village, **kw),
                                         head=head or head_data(), members=list(members))
    return _make


@pytest.fixture
def household(areas, make_household):
    """A monitored household in 村A with a head and a spouse, and one year's income."""
    h = make_household(areas["村A"], household_type="3", monitor_kind="2", risk_types=["01"],
                       monitor_identified_month=dt.date(2024, 3, 1), year_identified=None, year_exited=None,
                       members=[{"name": "李四", "id_number": new_id(dt.date(1982, 1, 2), male=False),
                                 "relationship": "02"}])
    services.income_save(actor=None, household=h, year=2025,
                         data={"wage": 20000, "operating": 5000, "property": 0, "transfer": 3000,
                               "production_expenses": 2000})
    h.refresh_from_db()
    return h


@pytest.fixture
def api():
    def _client(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client
    return _client


@pytest.fixture(autouse=True)
def _no_adbc_after_commands():
    """Management commands run in-process (call_command) switch on the single-process ADBC path for SQLite;
    the test process has other threads' connections (live server), so switch it off again after each test."""
    yield
    from fupin.batch import bulkload

    bulkload.SQLITE_ADBC_ALLOWED = False
