"""The rule catalogue: every data-quality rule is a :class:`Rule` — a catalogue entry and one Polars expression.

A rule is declared once with :func:`rule` in ``fupin.quality.rules.<family>``::

    @rule("5_17_003", family=EDUCATION, level=PERSON, applies=EXITED, fields=("student_status", "birth_date"),
          title="初中在校生年龄异常", message="七年级至九年级在校生年龄应在{min_age}至{max_age}岁之间",
          params=(Param("min_age", "最小年龄", 12, minimum=0, maximum=120), Param("max_age", ...)))
    def junior_age(p):
        return col("student_status").is_in(JUNIOR) & ~col("age").is_between(p.min_age, p.max_age)

The function receives the rule's resolved parameters (an attribute bag) and returns a boolean expression over the
frame of its level (see :mod:`fupin.quality.frames` for the columns); ``True`` is a finding. The engine applies the
``applies`` filter (exited, monitored, open …) itself, so rules state only the check. Parameters are defaults
here; provinces, counties and years override them in the UI (:class:`~fupin.quality.models.RuleSetting`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import polars as pl

PERSON, HOUSEHOLD, VILLAGE = "person", "household", "village"
LEVELS = {PERSON: "人", HOUSEHOLD: "户", VILLAGE: "村"}
ERROR, WARNING = "error", "warning"
SEVERITIES = {ERROR: "错误", WARNING: "提示"}

# Which households a rule looks at (household-level filters over the household columns).
ALL, REGISTERED, EXITED, MONITORED, OPEN, ELIMINATED, EXITED_OR_MONITORED = (
    "all", "registered", "exited", "monitored", "open", "eliminated", "exited_or_monitored")
APPLIES = {
    ALL: "全部在册户",
    REGISTERED: "建档立卡户和监测对象",
    EXITED: "脱贫户",
    MONITORED: "监测对象",
    OPEN: "未消除风险的监测对象",
    ELIMINATED: "已消除风险的监测对象",
    EXITED_OR_MONITORED: "脱贫户和监测对象",
}


def applies_expr(applies: str, prefix: str = "") -> pl.Expr:
    """The household filter of an ``applies`` value; ``prefix`` is ``h_`` on the person frame."""
    c = lambda name: pl.col(prefix + name)  # noqa: E731
    monitored = c("monitor_kind") != ""
    return {
        ALL: pl.lit(True),
        REGISTERED: c("household_type").is_in(["1", "2", "3"]) | monitored,
        EXITED: c("household_type") == "2",
        MONITORED: monitored,
        OPEN: monitored & ~c("risk_eliminated"),
        ELIMINATED: monitored & c("risk_eliminated"),
        EXITED_OR_MONITORED: (c("household_type") == "2") | monitored,
    }[applies]


class ParamError(ValueError):
    """A parameter value that cannot be used; the message is for the user."""


@dataclass(frozen=True)
class Param:
    """A rule parameter: kind ``int`` / ``number`` / ``month`` (YYYY-MM) / ``year``, with bounds."""

    name: str
    label: str
    default: object
    kind: str = "int"
    minimum: float | None = None
    maximum: float | None = None

    def parse(self, raw) -> object:
        """The value as the rule uses it; :class:`ParamError` with a Chinese message if it cannot be."""
        text = str(raw).strip() if raw is not None else ""
        if text == "":
            raise ParamError(f"{self.label}不能为空")
        if self.kind == "month":
            m = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", text)
            if not m or not 1 <= int(m.group(2)) <= 12:
                raise ParamError(f"{self.label}应为“年-月”格式，如2023-04，而不是“{text}”")
            return dt.date(int(m.group(1)), int(m.group(2)), 1)
        try:
            value = float(text) if self.kind == "number" else int(text)
        except ValueError:
            what = "数字" if self.kind == "number" else "整数"
            raise ParamError(f"{self.label}应为{what}，而不是“{text}”") from None
        if self.kind == "year" and not 1980 <= value <= 2100:
            raise ParamError(f"{self.label}应为1980至2100之间的年份，而不是{value}")
        if self.minimum is not None and value < self.minimum:
            raise ParamError(f"{self.label}不能小于{_num(self.minimum)}（填写的是{_num(value)}）")
        if self.maximum is not None and value > self.maximum:
            raise ParamError(f"{self.label}不能大于{_num(self.maximum)}（填写的是{_num(value)}）")
        return value

    def show(self, value) -> str:
        if isinstance(value, dt.date):
            return f"{value:%Y-%m}"
        return _num(value)


def _num(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class Rule:
    code: str
    family: str
    level: str
    title: str
    message: str  # may name parameters: "年龄应在{min_age}至{max_age}岁之间"
    expr: Callable[[SimpleNamespace], pl.Expr]
    applies: str = ALL
    severity: str = WARNING
    fields: tuple[str, ...] = ()  # the fields to fix (model field names; household fields as "household.x")
    params: tuple[Param, ...] = ()
    detail: Callable[[SimpleNamespace], pl.Expr] | None = None  # per-finding text appended to the message
    cross: tuple[str, ...] = field(default=())  # other codes of the same check (e.g. the monitored variant)
    # The frame the expression reads, when it differs from the level: a household rule written over the persons
    # frame (with ``.over("household_id")`` windows, e.g. for age bands that are parameters) reports each
    # household once.
    frame: str = ""

    @property
    def reads(self) -> str:
        return self.frame or self.level

    def defaults(self) -> dict:
        return {p.name: p.default for p in self.params}

    def resolve(self, overrides: dict | None) -> SimpleNamespace:
        """The parameters a run uses: defaults, then overrides (validated)."""
        values = {}
        for p in self.params:
            raw = (overrides or {}).get(p.name, p.default)
            values[p.name] = p.parse(raw) if not isinstance(raw, dt.date) else raw
        self.check_params(values)
        return SimpleNamespace(**values)

    def check_params(self, values: dict) -> None:
        """Cross-parameter checks: a ``min_x`` may not exceed its ``max_x``."""
        for name, value in values.items():
            if name.startswith("min_") and f"max_{name[4:]}" in values and value > values[f"max_{name[4:]}"]:
                lo = next(p for p in self.params if p.name == name)
                hi = next(p for p in self.params if p.name == f"max_{name[4:]}")
                raise ParamError(f"{lo.label}（{lo.show(value)}）不能大于{hi.label}（{hi.show(values[hi.name])}）")

    def text(self, params: SimpleNamespace) -> str:
        shown = {p.name: p.show(getattr(params, p.name)) for p in self.params}
        return self.message.format(**shown)

    @property
    def default_message(self) -> str:
        """The message with the default parameters filled in (for the catalogue pages)."""
        return self.text(SimpleNamespace(**self.defaults()))

    @property
    def level_label(self) -> str:
        return LEVELS[self.level]

    @property
    def severity_label(self) -> str:
        return SEVERITIES[self.severity]

    @property
    def applies_label(self) -> str:
        return APPLIES[self.applies]


CATALOGUE: dict[str, Rule] = {}


def rule(code: str | tuple[str, ...], **meta) -> Callable:
    """Register the decorated expression under one code, or under several codes that differ only in ``applies``:
    ``rule(("2_02_001", "2_11_003"), applies=(EXITED, MONITORED), ...)``."""
    codes = (code,) if isinstance(code, str) else tuple(code)
    applies = meta.pop("applies", ALL)
    applies_each = applies if isinstance(applies, tuple) else (applies,) * len(codes)
    if len(applies_each) != len(codes):
        raise ValueError(f"{codes}: one applies value per code")

    def register(fn: Callable[[SimpleNamespace], pl.Expr]):
        for c, a in zip(codes, applies_each, strict=True):
            if c in CATALOGUE:
                raise ValueError(f"rule {c} registered twice")
            CATALOGUE[c] = Rule(code=c, expr=fn, applies=a, cross=tuple(x for x in codes if x != c), **meta)
        return fn
    return register


def get(code: str) -> Rule:
    try:
        return CATALOGUE[code]
    except KeyError:
        raise ParamError(f"没有编号为“{code}”的规则") from None


def select(codes: list[str] | None) -> list[Rule]:
    """Rules by code (all when ``codes`` is empty), in catalogue order."""
    if not codes:
        return list(CATALOGUE.values())
    return [get(c) for c in codes]
