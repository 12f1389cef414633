"""联系方式: the household's phone number — empty (2_01_013), not 11 digits (2_01_014), 11 digits but not a
mobile number 1[3-9]xxxxxxxxx (5_13_003). Spaces are ignored, as the registry's phone validation ignores them."""

from __future__ import annotations

import polars as pl

from ..catalogue import HOUSEHOLD, REGISTERED, rule
from .common import CONTACT, col


def _phone() -> pl.Expr:
    return col("phone").str.replace_all(r"[\s\u3000]", "")


_shown = lambda p: pl.format("填写的是{}", col("phone"))  # noqa: E731


@rule("2_01_013", family=CONTACT, level=HOUSEHOLD, applies=REGISTERED, fields=("household.phone",),
      title="联系电话为空", message="联系电话为空")
def phone_empty(p):
    return _phone() == ""


@rule("2_01_014", family=CONTACT, level=HOUSEHOLD, applies=REGISTERED, fields=("household.phone",),
      title="联系电话不是11位", message="联系电话不是11位数字", detail=_shown)
def phone_not_11_digits(p):
    return (_phone() != "") & ~_phone().str.contains(r"^\d{11}$")


@rule("5_13_003", family=CONTACT, level=HOUSEHOLD, applies=REGISTERED, fields=("household.phone",),
      title="联系电话不是有效手机号码", message="联系电话不是有效的手机号码（应为1开头、第二位为3至9的11位数字）",
      detail=_shown)
def phone_not_mobile(p):
    return _phone().str.contains(r"^\d{11}$") & ~_phone().str.contains(r"^1[3-9]\d{9}$")
