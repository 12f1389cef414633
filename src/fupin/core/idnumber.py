"""Resident ID numbers (公民身份号码) per GB 11643-1999.

18 characters: 6-digit area code, 8-digit birth date, 3-digit sequence (odd 17th digit = male), and a check
character computed with ISO 7064 MOD 11-2 (0-9 or X).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_BODY = re.compile(r"^\d{17}$")
_EARLIEST_BIRTH = dt.date(1880, 1, 1)


class IdNumberError(ValueError):
    """An invalid ID number. ``rule`` names the rule that failed: length, format, date, check."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule
        self.message = message


@dataclass(frozen=True)
class IdInfo:
    number: str
    area_code: str
    birth_date: dt.date
    sex: str  # "1" male, "2" female (code list "sex")


def normalize(value: str | None) -> str:
    """Strip spaces (also full-width ones) and upper-case a trailing x, as people type them."""
    if value is None:
        return ""
    return re.sub(r"[\s\u3000]", "", str(value)).upper()


def check_char(body17: str) -> str:
    total = sum(int(d) * w for d, w in zip(body17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def parse(value: str | None, *, today: dt.date | None = None) -> IdInfo:
    """Validate and decode an ID number; raise :class:`IdNumberError` naming the failed rule."""
    number = normalize(value)
    if len(number) != 18:
        raise IdNumberError("length", f"证件号码长度应为18位，实际为{len(number)}位")
    body, last = number[:17], number[17]
    if not _BODY.match(body) or not (last.isdigit() or last == "X"):
        raise IdNumberError("format", "证件号码前17位应为数字，第18位应为数字或X")
    try:
        birth = dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        raise IdNumberError("date", f"证件号码中的出生日期{body[6:14]}不是有效日期") from None
    today = today or dt.date.today()
    if birth < _EARLIEST_BIRTH or birth > today:
        raise IdNumberError("date", f"证件号码中的出生日期{body[6:14]}不在合理范围内")
    expected = check_char(body)
    if last != expected:
        raise IdNumberError("check", f"证件号码校验码错误：第18位应为{expected}，实际为{last}")
    sex = "1" if int(body[16]) % 2 == 1 else "2"
    return IdInfo(number=number, area_code=body[:6], birth_date=birth, sex=sex)


def make(area_code: str, birth: dt.date, sequence: int) -> str:
    """Build a valid number (used by the demo generator and tests). ``sequence`` is 0-999; odd = male."""
    body = f"{area_code}{birth:%Y%m%d}{sequence:03d}"
    return body + check_char(body)


def mask(value: str | None) -> str:
    """``450299********123X``-style mask: keep the first 6 and the last 4 characters."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def age_on(birth: dt.date, on: dt.date) -> int:
    """Age in whole years on a given date."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
