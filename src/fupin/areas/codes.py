"""12-digit statistical division codes (统计用区划代码): levels, prefixes and subtree ranges.

A code's prefix is its subtree: 45 (province) · 4502 (city) · 450206 (county) · 450206100 (township) ·
450206100201 (village). A subtree is the closed range [prefix + 0…0, prefix + 9…9] of 12-digit codes, which any
B-tree index answers on SQLite and PostgreSQL alike (``LIKE 'x%'`` needs special operator classes on PostgreSQL).
"""

from __future__ import annotations

import re

PREFIX_LENGTHS = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}
LEVEL_BY_LENGTH = {v: k for k, v in PREFIX_LENGTHS.items()}
CODE_LENGTH = 12
_DIGITS = re.compile(r"^\d+$")


class AreaCodeError(ValueError):
    pass


def normalize(raw: str) -> str:
    """Accept 2, 4, 6, 9 or 12 digits and right-pad with zeros to 12; raise AreaCodeError otherwise."""
    code = (raw or "").strip()
    if code.endswith(".0"):  # numbers that went through a spreadsheet
        code = code[:-2]
    if not _DIGITS.match(code):
        raise AreaCodeError(f"区划代码“{raw}”应只包含数字")
    if len(code) not in LEVEL_BY_LENGTH:
        raise AreaCodeError(f"区划代码“{raw}”的位数应为2、4、6、9或12位，实际为{len(code)}位")
    code = code.ljust(CODE_LENGTH, "0")
    if code[:2] == "00":
        raise AreaCodeError(f"区划代码“{raw}”的省级代码不能为00")
    return code


def level_of(code: str) -> int:
    """Level of a 12-digit code: the shortest prefix after which only zeros follow."""
    for level in (1, 2, 3, 4):
        if code[PREFIX_LENGTHS[level]:].strip("0") == "":
            return level
    return 5


def prefix(code: str, level: int | None = None) -> str:
    return code[: PREFIX_LENGTHS[level or level_of(code)]]


def subtree_range(code: str) -> tuple[str, str]:
    p = prefix(code)
    return p.ljust(CODE_LENGTH, "0"), p.ljust(CODE_LENGTH, "9")


def parent_code(code: str) -> str | None:
    level = level_of(code)
    if level == 1:
        return None
    return code[: PREFIX_LENGTHS[level - 1]].ljust(CODE_LENGTH, "0")


def ancestors(code: str) -> list[str]:
    """Codes of all ancestors, top first."""
    out = []
    current = parent_code(code)
    while current:
        out.insert(0, current)
        current = parent_code(current)
    return out


def is_within(code: str, ancestor: str) -> bool:
    lo, hi = subtree_range(ancestor)
    return lo <= code <= hi
