"""Phone numbers: mobile numbers are 11 digits starting 1[3-9]; fixed lines (区号-号码) are accepted too."""

from __future__ import annotations

import re

MOBILE = re.compile(r"^1[3-9]\d{9}$")
FIXED = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def normalize(value: str | None) -> str:
    return re.sub(r"[\s\u3000]", "", value or "")


def validate(value: str | None) -> str:
    """Return the normalised number or raise ValueError with a Chinese message."""
    number = normalize(value)
    if not number:
        return ""
    if MOBILE.match(number) or FIXED.match(number):
        return number
    if number.isdigit() and len(number) != 11 and number.startswith("1"):
        raise ValueError(f"手机号码应为11位，实际为{len(number)}位")
    raise ValueError("电话号码格式不正确：手机号应为1开头的11位数字，固定电话应为“区号-号码”")


def mask(value: str | None) -> str:
    if not value:
        return ""
    if len(value) >= 11:
        return value[:3] + "****" + value[-4:]
    return value[:2] + "*" * (len(value) - 2)


def mask_account(value: str | None) -> str:
    """Bank account: keep the last 4 digits."""
    if not value:
        return ""
    return "****" + value[-4:] if len(value) > 4 else "****"
