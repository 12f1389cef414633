"""Vectorised parsing of spreadsheet cells as people really fill them.

Every parser takes an expression over a text column (already trimmed, empty cells null) and returns a
:class:`Parsed` pair: the typed value, and a Chinese error message where the cell is filled but cannot be read
(null where it is fine or empty). Accepted forms:

- numbers with thousands separators, spaces, a trailing 元 and text-formatted numbers (``'1,234.50``);
- dates as YYYY-MM-DD, YYYY/M/D, YYYYMMDD, YYYY.M.D, YYYY年M月D日, ``2024-03-01 00:00:00`` or Excel serials;
- months as YYYYMM, YYYY-MM, YYYY年M月 or any of the date forms (kept as the 1st of the month);
- 是/否 and their usual variants; code-list labels, codes or aliases; ID numbers with a lowercase x.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

from fupin.core import codes
from fupin.core.idnumber import CHECK_CHARS, WEIGHTS

EXCEL_EPOCH = dt.date(1899, 12, 30)
_SPACE = r"[\s\u3000\u00a0]"
TRUE_WORDS = ("是", "Y", "YES", "TRUE", "1", "√", "有", "已", "参加", "已参加", "享受")
FALSE_WORDS = ("否", "N", "NO", "FALSE", "0", "×", "无", "未", "未参加", "不享受")


@dataclass
class Check:
    bad: pl.Expr  # boolean: the cell is filled and wrong
    message: pl.Expr  # evaluated only on the bad rows (formatting a message for every row is the slow part)


@dataclass
class Parsed:
    value: pl.Expr
    checks: list[Check]

    @property
    def bad(self) -> pl.Expr:
        return pl.any_horizontal([c.bad for c in self.checks]) if self.checks else pl.lit(False)

    @property
    def error(self) -> pl.Expr:
        """The first failing check's message, or null (one expression; for small frames and tests)."""
        if not self.checks:
            return pl.lit(None, pl.Utf8)
        return pl.coalesce([pl.when(c.bad).then(c.message) for c in self.checks])

    def message(self) -> pl.Expr:
        return self.error


def clean_text(col: str) -> pl.Expr:
    """Trim spaces (also full-width and non-breaking ones) and the apostrophe Excel uses for text numbers."""
    # strip_chars() trims Unicode whitespace (full-width U+3000 and no-break U+00A0 included), far faster than a regex
    e = pl.col(col).cast(pl.Utf8).str.strip_chars().str.strip_prefix("'")
    return pl.when(e.str.len_chars() == 0).then(None).otherwise(e)


def _fail(raw: pl.Expr, ok: pl.Expr, message: pl.Expr | str) -> Check:
    msg = pl.lit(message) if isinstance(message, str) else message
    return Check(bad=raw.is_not_null() & ~ok.fill_null(False), message=msg)


def text(raw: pl.Expr, *, max_length: int | None = None) -> Parsed:
    if max_length is None:
        return Parsed(raw, [])
    return Parsed(raw, [_fail(raw, raw.str.len_chars() <= max_length, f"内容过长（最多{max_length}个字）")])


def _numeric_text(raw: pl.Expr) -> pl.Expr:
    return raw.str.replace_all(rf"[,，{_SPACE[1:-1]}]|元$", "")


def decimal(raw: pl.Expr, *, minimum: float | None = 0) -> Parsed:
    value = _numeric_text(raw).cast(pl.Float64, strict=False).round(2)
    ok = value.is_not_null()
    checks = [_fail(raw, ok, pl.format("“{}”不是有效的数字", raw))]
    if minimum is not None:
        checks.append(_fail(raw, ~ok | (value >= minimum), pl.format("数值{}不能小于{}", raw, pl.lit(minimum))))
    return Parsed(value, checks)


def integer(raw: pl.Expr, *, minimum: int | None = 0, maximum: int | None = None) -> Parsed:
    as_float = _numeric_text(raw).cast(pl.Float64, strict=False)
    ok = as_float.is_not_null() & (as_float == as_float.floor())
    value = pl.when(ok).then(as_float.cast(pl.Int64, strict=False)).otherwise(None)
    checks = [_fail(raw, ok, pl.format("“{}”不是有效的整数", raw))]
    if minimum is not None:
        checks.append(_fail(raw, ~ok | (value >= minimum), pl.format("数值{}不能小于{}", raw, pl.lit(minimum))))
    if maximum is not None:
        checks.append(_fail(raw, ~ok | (value <= maximum), pl.format("数值{}不能大于{}", raw, pl.lit(maximum))))
    return Parsed(value, checks)


def boolean(raw: pl.Expr) -> Parsed:
    up = raw.str.to_uppercase()
    value = pl.when(up.is_in(TRUE_WORDS)).then(True).when(up.is_in(FALSE_WORDS)).then(False).otherwise(None)
    return Parsed(value, [_fail(raw, value.is_not_null(), pl.format("“{}”应填“是”或“否”", raw))])


def _date_from_text(raw: pl.Expr) -> pl.Expr:
    """Normalise the separators to ``-`` and read Y-M-D; YYYYMMDD; Excel serials (10000–80000, 1927–2119)."""
    s = raw.str.replace(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "")
    s = s.str.replace_all(r"[年月/.]", "-").str.replace(r"日$", "").str.strip_chars("-")
    ymd = s.str.to_date("%Y-%-m-%-d", strict=False)
    compact = pl.when(s.str.contains(r"^\d{8}$")).then(s.str.to_date("%Y%m%d", strict=False))
    serial_num = s.cast(pl.Float64, strict=False)
    serial = pl.when(serial_num.is_between(10000, 80000) & ~s.str.contains(r"^\d{8}$")).then(
        pl.lit(EXCEL_EPOCH) + pl.duration(days=serial_num.floor().cast(pl.Int64)))
    return pl.coalesce(compact, ymd, serial.cast(pl.Date))


def date(raw: pl.Expr, *, not_after: dt.date | None = None) -> Parsed:
    value = _date_from_text(raw)
    checks = [_fail(raw, value.is_not_null(), pl.format("“{}”不是有效的日期（如2024-03-01或20240301）", raw))]
    if not_after is not None:
        checks.append(_fail(raw, value.is_null() | (value <= not_after),
                            pl.format("日期{}晚于{}", raw, pl.lit(str(not_after)))))
    return Parsed(value, checks)


def month(raw: pl.Expr) -> Parsed:
    """A month, stored as its first day."""
    s = raw.str.replace(r"月$", "")
    yyyymm = pl.when(s.str.contains(r"^\d{6}$")).then((s + "01").str.to_date("%Y%m%d", strict=False))
    ym = pl.when(s.str.contains(r"^\d{4}[-年/.]\d{1,2}$")).then(
        (s.str.replace_all(r"[年/.]", "-") + "-1").str.to_date("%Y-%-m-%-d", strict=False))
    value = pl.coalesce(yyyymm, ym, _date_from_text(raw)).dt.month_start()
    return Parsed(value, [_fail(raw, value.is_not_null(), pl.format("“{}”不是有效的年月（如202403或2024年3月）", raw))])


def normalise_label(value: str) -> str:
    """How labels are compared: no spaces, half-width brackets."""
    value = re.sub(r"[\s\u3000]", "", value)
    return value.replace("（", "(").replace("）", ")")


def _label_expr(raw: pl.Expr) -> pl.Expr:
    return raw.str.replace_all(r"[\s\u3000]", "").str.replace_all("（", "(").str.replace_all("）", ")")


def code_lookup(code_list: str) -> dict[str, str]:
    """Every spelling that names a code: the code itself, the label, the label without its bracketed part
    (居民身份证(户口簿) → 居民身份证) and the ``aliases`` attribute of the item."""
    lookup: dict[str, str] = {}
    for item in codes.get(code_list).items:
        names = [item.label, re.sub(r"\(.*?\)$", "", normalise_label(item.label)), *item.attrs.get("aliases", [])]
        for name in names:
            lookup.setdefault(normalise_label(str(name)), item.code)
    for item in codes.get(code_list).items:  # codes win over labels that look like codes
        lookup[item.code] = item.code
    return lookup


def allowed_labels(code_list: str, limit: int = 8) -> str:
    labels = [i.label for i in codes.get(code_list).items]
    return "、".join(labels[:limit]) + ("等" if len(labels) > limit else "")


def code(raw: pl.Expr, code_list: str, field_label: str) -> Parsed:
    value = _label_expr(raw).replace_strict(code_lookup(code_list), default=None, return_dtype=pl.Utf8)
    message = pl.format(f"“{{}}”不是{field_label}的有效值（可填：{allowed_labels(code_list)}）", raw)
    return Parsed(value, [_fail(raw, value.is_not_null(), message)])


def multi_code(raws: list[pl.Expr], code_list: str, field_label: str) -> Parsed:
    """Several codes from one cell separated by 、,;， and/or from several numbered columns; stored ``,01,04,``."""
    lookup = code_lookup(code_list)
    joined = pl.concat_str([r for r in raws], separator="、", ignore_nulls=True)
    items = _label_expr(joined).str.replace_all(r"[,，;；/]", "、").str.split("、").list.eval(
        pl.element().filter(pl.element().str.len_chars() > 0))
    mapped = items.list.eval(pl.element().replace_strict(lookup, default=None, return_dtype=pl.Utf8))
    bad = items.list.eval(pl.element().filter(
        pl.element().replace_strict(lookup, default=None, return_dtype=pl.Utf8).is_null())).list.join("、")
    uniq = mapped.list.eval(pl.element().drop_nulls()).list.unique(maintain_order=True)
    value = pl.when(uniq.list.len() > 0).then(pl.lit(",") + uniq.list.join(",") + pl.lit(",")).otherwise(pl.lit(""))
    check = Check(bad=joined.is_not_null() & (bad.str.len_chars() > 0).fill_null(False),
                  message=pl.format(f"“{{}}”不是{field_label}的有效值（可填：{allowed_labels(code_list)}）", bad))
    return Parsed(value, [check])


def id_number(raw: pl.Expr, *, today: dt.date | None = None) -> Parsed:
    """GB 11643 resident ID numbers: the same rules and messages as :func:`fupin.core.idnumber.parse`."""
    today = today or dt.date.today()
    s = raw.str.replace_all(r"[\s\u3000]", "").str.to_uppercase()
    length = s.str.len_chars()
    fmt = s.str.contains(r"^\d{17}[\dX]$")
    birth = s.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    expected = id_check_char(s)  # only meaningful where ``fmt`` holds, which ``valid`` requires
    valid = (length == 18) & fmt & birth.is_not_null() & (birth >= dt.date(1880, 1, 1)) & (birth <= today) & (
        s.str.slice(17, 1) == expected)
    message = (
        pl.when(length != 18).then(pl.format("证件号码长度应为18位，实际为{}位", length))
        .when(~fmt).then(pl.lit("证件号码前17位应为数字，第18位应为数字或X"))
        .when(birth.is_null() | (birth < dt.date(1880, 1, 1)) | (birth > today)).then(
            pl.format("证件号码中的出生日期{}不是有效日期或不在合理范围内", s.str.slice(6, 8)))
        .when(s.str.slice(17, 1) != expected).then(
            pl.format("证件号码校验码错误：第18位应为{}，实际为{}", expected, s.str.slice(17, 1)))
    )
    return Parsed(s, [Check(bad=s.is_not_null() & ~valid.fill_null(False), message=message)])


def id_check_char(number: pl.Expr) -> pl.Expr:
    """The GB 11643 check character that the first 17 characters of ``number`` call for, where they are 17 digits
    (callers check the format first; for anything else the result means nothing). The weighted digit sum is taken
    from the 17 digits read as one integer: integer arithmetic on a column is far cheaper than 17 substrings per
    cell."""
    digits = number.str.slice(0, 17).cast(pl.Int64, strict=False)
    total = pl.sum_horizontal([(digits // 10 ** (16 - i)) % 10 * w for i, w in enumerate(WEIGHTS)])
    return (total % 11).replace_strict(list(range(11)), list(CHECK_CHARS), default=None, return_dtype=pl.Utf8)


def id_birth_sex(number: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Birth date and sex code encoded in a (valid) ID number."""
    birth = number.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    sex = pl.when(number.str.slice(16, 1).cast(pl.Int32, strict=False) % 2 == 1).then(pl.lit("1")).otherwise(
        pl.lit("2"))
    return birth, pl.when(number.str.len_chars() == 18).then(sex)


def phone(raw: pl.Expr) -> Parsed:
    s = raw.str.replace_all(r"[\s\u3000]", "")
    ok = s.str.contains(r"^1[3-9]\d{9}$") | s.str.contains(r"^0\d{2,3}-?\d{7,8}$")
    return Parsed(s, [_fail(raw, ok, pl.format("电话号码“{}”格式不正确：手机号应为1开头的11位数字，固定电话应为“区号-号码”", raw))])
