"""Which parameters a run uses: the catalogue's defaults, overridden by :class:`RuleSetting` rows.

For a run over area A in year Y, the settings on A and its ancestors apply to the whole run (nearest area wins;
a year's setting over the all-years one), and settings on areas inside A apply to their own subtrees. The result
per rule is a list of (subtree, parameters) with the most specific subtree first; ``None`` parameters mean the
rule is switched off there.
"""

from __future__ import annotations

from types import SimpleNamespace

from fupin.areas import codes as area_codes

from .catalogue import ParamError, Rule
from .models import RuleSetting


def _depth(code: str) -> int:
    return area_codes.level_of(code)


def settings_for(rules: list[Rule], area_code: str, year: int) -> dict[str, list[RuleSetting]]:
    """Settings that can matter for a run: on the area's ancestors, itself and its subtree, for the year or all."""
    lo, hi = area_codes.subtree_range(area_code)
    above = [area_code, *area_codes.ancestors(area_code)]
    qs = RuleSetting.objects.filter(rule_code__in=[r.code for r in rules], year__in=[year, 0])
    out: dict[str, list[RuleSetting]] = {}
    for s in qs:
        if s.area_id in above or lo <= s.area_id <= hi:
            out.setdefault(s.rule_code, []).append(s)
    return out


def _chain(settings: list[RuleSetting], target: str) -> list[RuleSetting]:
    """Settings on ``target`` and its ancestors, least specific first (all-years before a year's)."""
    chain = [s for s in settings if area_codes.is_within(target, s.area_id)]
    return sorted(chain, key=lambda s: (_depth(s.area_id), s.year != 0))


def _merge(rule: Rule, chain: list[RuleSetting]) -> SimpleNamespace | None:
    values: dict = {}
    enabled = True
    for s in chain:
        values.update(s.params or {})
        enabled = s.enabled
    if not enabled:
        return None
    try:
        return rule.resolve(values)
    except ParamError as exc:
        raise ParamError(f"规则{rule.code}的参数设置有误（{chain[-1].area_id}）：{exc}") from None


def resolve(rules: list[Rule], area_code: str, year: int) -> dict[str, list[tuple[str | None, SimpleNamespace | None]]]:
    found = settings_for(rules, area_code, year)
    out = {}
    for rule in rules:
        settings = found.get(rule.code, [])
        entries: list[tuple[str | None, SimpleNamespace | None]] = []
        inner = sorted({s.area_id for s in settings if s.area_id != area_code
                        and area_codes.is_within(s.area_id, area_code)}, key=_depth, reverse=True)
        for sub in inner:
            entries.append((sub, _merge(rule, _chain(settings, sub))))
        entries.append((None, _merge(rule, _chain(settings, area_code))))
        out[rule.code] = entries
    return out


def shown(resolved: dict[str, list[tuple[str | None, SimpleNamespace | None]]]) -> dict:
    """The resolved parameters as JSON for the run record."""
    out = {}
    for code, entries in resolved.items():
        rows = []
        for subtree, params in entries:
            rows.append({"area": subtree or "", "enabled": params is not None,
                         "params": {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                                    for k, v in vars(params).items()} if params else {}})
        if len(rows) > 1 or not rows[0]["enabled"] or rows[0]["params"]:
            out[code] = rows
    return out
