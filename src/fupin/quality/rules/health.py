"""健康、保险与社会保障: medical and pension insurance, disability certificate, 低保 and 特困供养.

An empty yes/no answer is "not answered", never "no": the "…为空" rules find empty answers, the others only
answered ones. Paired codes on one line of QUALITY-RULES.md are registered as exited / monitored.
"""

from __future__ import annotations

import polars as pl

from ..catalogue import EXITED, HOUSEHOLD, MONITORED, PERSON, REGISTERED, rule
from .common import HEALTH, col, is_false, is_true, uninsured_medical


@rule(("2_01_016", "2_12_016"), applies=(EXITED, MONITORED), family=HEALTH, level=PERSON,
      fields=("med_resident", "med_employee", "med_critical"), title="未同时参加基本医疗保险和大病保险",
      message="未同时参加基本医疗保险（城乡居民或城镇职工）和大病保险",
      detail=lambda p: pl.when(uninsured_medical()).then(pl.lit("未参加基本医疗保险")).otherwise(pl.lit("未参加大病保险")))
def not_fully_insured(p):
    return uninsured_medical() | is_false("med_critical")


@rule(("2_12_010", "2_15_001"), applies=(EXITED, MONITORED), family=HEALTH, level=PERSON, fields=("med_critical",),
      title="是否参加大病保险为空", message="是否参加大病保险为空")
def critical_empty(p):
    return col("med_critical").is_null()


@rule("2_12_012", family=HEALTH, level=PERSON, applies=REGISTERED, fields=("med_resident", "med_employee"),
      title="基本医疗保险均为空", message="是否参加城乡居民基本医疗保险和是否参加城镇职工基本医疗保险均为空")
def medical_empty(p):
    return col("med_resident").is_null() & col("med_employee").is_null()


@rule("2_12_015", family=HEALTH, level=PERSON, applies=REGISTERED, fields=("med_resident", "med_employee"),
      title="重复参加基本医疗保险", message="同时参加城乡居民基本医疗保险和城镇职工基本医疗保险")
def medical_twice(p):
    return is_true("med_resident") & is_true("med_employee")


@rule("5_19_001", family=HEALTH, level=PERSON, applies=REGISTERED, fields=("pension_resident", "pension_employee"),
      title="养老保险均为空", message="是否参加城乡居民基本养老保险和是否参加城镇职工基本养老保险均为空")
def pension_empty(p):
    return col("pension_resident").is_null() & col("pension_employee").is_null()


@rule("4_12_003", family=HEALTH, level=PERSON, applies=REGISTERED, fields=("disability_certificate", "health"),
      title="残疾人员无残疾证号", message="健康状况为残疾，但残疾证号为空")
def disabled_without_certificate(p):
    return (col("health") == "4") & (col("disability_certificate").str.strip_chars() == "")


@rule(("5_19_003", "5_19_007"), applies=(EXITED, MONITORED), family=HEALTH, level=HOUSEHOLD,
      fields=("labour_capacity", "dibao"), title="整户无劳动能力但未享受低保",
      message="户内成员均为无劳动力或丧失劳动力，但无人享受低保")
def no_labour_without_dibao(p):
    return (col("n_persons") > 0) & (col("n_no_labour") == col("n_persons")) & (col("n_dibao") == 0)


@rule("BEN_01", family=HEALTH, level=PERSON, applies=REGISTERED, fields=("dibao", "tekun"),
      title="同时享受低保和特困供养", message="同时享受低保和特困供养政策")
def dibao_and_tekun(p):
    return col("on_dibao") & col("on_tekun")
