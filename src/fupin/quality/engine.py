"""Evaluate rules over the frames: one vectorised pass per rule, findings as one frame.

A finding names the rule, the village, the household and (person rules) the member, with the message made from
the rule's text and its resolved parameters. Rules whose parameters differ inside the run's area (a county that
overrides its province) are evaluated once per parameter set on the rows of that subtree.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import polars as pl

from fupin.areas import codes as area_codes

from .catalogue import HOUSEHOLD, PERSON, VILLAGE, Rule, applies_expr
from .frames import Frames

FINDING_SCHEMA = {
    "rule": pl.Utf8, "level": pl.Utf8, "severity": pl.Utf8, "village_id": pl.Utf8, "household_id": pl.Int64,
    "household_number": pl.Utf8, "member_id": pl.Int64, "member_name": pl.Utf8, "id_number": pl.Utf8,
    "message": pl.Utf8, "data_version": pl.Utf8,
}

# (subtree area code or None for the whole run, parameters or None where the rule is switched off), most
# specific subtree first.
ParamSets = list[tuple[str | None, SimpleNamespace | None]]


@dataclass
class Evaluation:
    findings: pl.DataFrame


def _finding_columns(rule: Rule, params: SimpleNamespace, level_frame: str) -> list[pl.Expr]:
    text = rule.text(params)
    message = pl.lit(text)
    if rule.detail is not None:
        message = pl.concat_str([message, pl.lit("（"), rule.detail(params).fill_null(""), pl.lit("）")])
    common = [pl.lit(rule.code).alias("rule"), pl.lit(rule.level).alias("level"),
              pl.lit(rule.severity).alias("severity"), message.alias("message")]
    if level_frame == PERSON:
        hh = [pl.col("h_village_id").alias("village_id"), pl.col("household_id"),
              pl.col("h_number").alias("household_number")]
        if rule.level == PERSON:
            who = [pl.col("id").alias("member_id"), pl.col("name").alias("member_name"), pl.col("id_number"),
                   pl.format("{}:{}", pl.col("h_version"), pl.col("version")).alias("data_version")]
        else:
            who = [pl.lit(None, pl.Int64).alias("member_id"), pl.lit("").alias("member_name"), pl.lit("").alias(
                "id_number"), pl.col("h_version").cast(pl.Utf8).alias("data_version")]
        return [*common, *hh, *who]
    if level_frame == HOUSEHOLD:
        return [*common, pl.col("village_id"), pl.col("id").alias("household_id"),
                pl.col("number").alias("household_number"), pl.lit(None, pl.Int64).alias("member_id"),
                pl.lit("").alias("member_name"), pl.lit("").alias("id_number"),
                pl.col("version").cast(pl.Utf8).alias("data_version")]
    return [*common, pl.col("village_id"), pl.lit(None, pl.Int64).alias("household_id"),
            pl.lit("").alias("household_number"), pl.lit(None, pl.Int64).alias("member_id"),
            pl.lit("").alias("member_name"), pl.lit("").alias("id_number"), pl.lit("").alias("data_version")]


def rule_queries(frames: Frames, rule: Rule, param_sets: ParamSets) -> list[pl.LazyFrame]:
    """Lazy queries giving the rule's findings, one per parameter set (usually one). Lazy, so that each query
    reads only the columns its rule names and all rules run together on Polars' thread pool."""
    frame = frames.of(rule.reads).lazy()
    area_col = "h_village_id" if rule.reads == PERSON else "village_id"
    applies = applies_expr(rule.applies, "h_" if rule.reads == PERSON else "") if rule.level != VILLAGE \
        else pl.lit(True)
    out = []
    claimed = pl.lit(False)
    for subtree, params in param_sets:
        in_subtree = pl.lit(True) if subtree is None else pl.col(area_col).is_between(
            *(pl.lit(bound) for bound in area_codes.subtree_range(subtree)))
        mask = in_subtree & ~claimed
        claimed = claimed | in_subtree
        if params is None:
            continue
        # applies and subtree filters keep or drop whole households, so window expressions over a household
        # (``.over("household_id")``) see all its members either way.
        hits = frame.filter(applies & mask).with_columns(rule.expr(params).fill_null(False).alias("_hit"))
        hits = hits.filter(pl.col("_hit"))
        if rule.level == HOUSEHOLD and rule.reads == PERSON:
            hits = hits.unique(subset=["household_id"], keep="first", maintain_order=True)
        out.append(hits.select(_finding_columns(rule, params, rule.reads)).cast(FINDING_SCHEMA))
    return out


def evaluate_rule(frames: Frames, rule: Rule, param_sets: ParamSets) -> pl.DataFrame:
    parts = pl.collect_all(rule_queries(frames, rule, param_sets))
    return pl.concat(parts) if parts else pl.DataFrame(schema=FINDING_SCHEMA)


def evaluate(frames: Frames, rules: list[Rule], params: dict[str, ParamSets]) -> Evaluation:
    """All ``rules`` over ``frames``; ``params[code]`` as made by :func:`fupin.quality.params.resolve`."""
    queries = []
    for rule in rules:
        queries += rule_queries(frames, rule, params.get(rule.code) or [(None, rule.resolve(None))])
    parts = pl.collect_all(queries) if queries else []
    findings = pl.concat(parts) if parts else pl.DataFrame(schema=FINDING_SCHEMA)
    return Evaluation(findings=findings)


def person_household_columns(rules: list[Rule], params: dict[str, ParamSets]) -> set[str]:
    """Household columns (without the ``h_`` prefix) that the person-frame rules read: only these are joined onto
    the persons frame (at 10M persons every joined column costs ~80 MB)."""
    needed = {"village_id", "number", "version", "household_type", "monitor_kind", "risk_eliminated"}
    for rule in rules:
        if rule.reads != PERSON:
            continue
        for _subtree, p in params.get(rule.code) or [(None, rule.resolve(None))]:
            if p is None:
                continue
            exprs = [rule.expr(p)] + ([rule.detail(p)] if rule.detail else [])
            for e in exprs:
                needed |= {n[2:] for n in e.meta.root_names() if n.startswith("h_")}
    return needed


def reads_area_wide(rule: Rule, params: dict[str, ParamSets]) -> bool:
    """Whether the rule compares members across households (reads a column of
    :data:`fupin.quality.frames.AREA_WIDE_COLUMNS`): a run read in chunks evaluates such rules once, after the
    last chunk."""
    from .frames import AREA_WIDE_COLUMNS

    for _subtree, p in params.get(rule.code) or [(None, rule.resolve(None))]:
        if p is None:
            continue
        exprs = [rule.expr(p)] + ([rule.detail(p)] if rule.detail else [])
        if any(n in AREA_WIDE_COLUMNS for e in exprs for n in e.meta.root_names()):
            return True
    return False


def table_columns(rules: list[Rule], params: dict[str, ParamSets]) -> set[str]:
    """Names of the table columns the rules read, for :func:`fupin.quality.frames.read_tables` to read only these
    (with what the frames derive their own columns from): every column a rule's condition, detail or household
    filter names, without the ``h_`` (household column on the persons frame) and ``inc_`` / ``idinc_`` (income)
    prefixes. Names of derived columns come along and match no table column."""
    names: set[str] = set()
    for rule in rules:
        exprs = [] if rule.level == VILLAGE else [applies_expr(rule.applies)]
        for _subtree, p in params.get(rule.code) or [(None, rule.resolve(None))]:
            if p is not None:
                exprs += [rule.expr(p)] + ([rule.detail(p)] if rule.detail else [])
        for e in exprs:
            for n in e.meta.root_names():
                for prefix in ("h_", "idinc_", "inc_"):
                    if n.startswith(prefix):
                        n = n[len(prefix):]
                        break
                names.add(n)
    return names
