"""Evaluate rules over the frames: one vectorised pass per rule, findings as one frame.

A finding names the rule, the village, the household and (person rules) the member, with the message made from
the rule's text and its resolved parameters. Rules whose parameters differ inside the run's area (a county that
overrides its province) are evaluated once per parameter set on the rows of that subtree.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
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
    seconds_by_rule: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


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


def evaluate_rule(frames: Frames, rule: Rule, param_sets: ParamSets) -> pl.DataFrame:
    frame = frames.of(rule.reads)
    area_col = "h_village_id" if rule.reads == PERSON else "village_id"
    if rule.level != VILLAGE:
        prefix = "h_" if rule.reads == PERSON else ""
        frame = frame.filter(applies_expr(rule.applies, prefix))
    out = []
    claimed = pl.lit(False)
    for subtree, params in param_sets:
        in_subtree = pl.lit(True) if subtree is None else pl.col(area_col).is_between(
            *area_codes.subtree_range(subtree))
        mask = in_subtree & ~claimed
        claimed = claimed | in_subtree
        if params is None:
            continue
        hits = frame.filter(mask & rule.expr(params).fill_null(False))
        if rule.level == HOUSEHOLD and rule.reads == PERSON:
            hits = hits.unique(subset=["household_id"], keep="first", maintain_order=True)
        out.append(hits.select(_finding_columns(rule, params, rule.reads)))
    if not out:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    return pl.concat(out).cast(FINDING_SCHEMA)


def evaluate(frames: Frames, rules: list[Rule], params: dict[str, ParamSets]) -> Evaluation:
    """All ``rules`` over ``frames``; ``params[code]`` as made by :func:`fupin.quality.params.resolve`."""
    parts, seconds = [], {}
    for rule in rules:
        t = time.perf_counter()
        parts.append(evaluate_rule(frames, rule, params.get(rule.code) or [(None, rule.resolve(None))]))
        seconds[rule.code] = time.perf_counter() - t
    findings = pl.concat(parts) if parts else pl.DataFrame(schema=FINDING_SCHEMA)
    return Evaluation(findings=findings, seconds_by_rule=seconds)
