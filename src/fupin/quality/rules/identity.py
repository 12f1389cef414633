"""身份与家庭结构: ID numbers, relationships, heads, generations."""

from __future__ import annotations

import polars as pl

from fupin.batch import cells

from ..catalogue import ERROR, EXITED, HOUSEHOLD, MONITORED, PERSON, REGISTERED, Param, rule
from .common import IDENTITY, col, empty, relationship_codes


# ``id_format_ok`` (17 digits and a digit or X) and ``id_birth`` (the birth date the number encodes, null where it
# is no date) are derived once per snapshot by fupin.quality.frames.build: four rules read them.
def _id_ok_format() -> pl.Expr:
    return col("id_format_ok")


def _expected_check() -> pl.Expr:
    return cells.id_check_char(col("id_number"))


def _id_birth() -> pl.Expr:
    return col("id_birth")


@rule("1_01_001", family=IDENTITY, level=PERSON, severity=ERROR, applies=REGISTERED, fields=("id_number",),
      title="证件号码重复", message="同一证件号码在在册成员中出现多次",
      detail=lambda p: pl.format("共{}人", col("id_count")))
def duplicate_id(p):
    # id_count: members holding this number across the whole run area (frames._area_wide_columns).
    return (col("id_number") != "") & (col("id_count") > 1)


@rule("4_01_003", family=IDENTITY, level=PERSON, severity=ERROR, applies=EXITED, fields=("id_number",),
      title="脱贫人口证件号码缺失或无效地区码", message="脱贫人口证件号码为空或地区码为999999")
def missing_id(p):
    return (col("id_number") == "") | col("id_number").str.starts_with("999999")


@rule("ID_01", family=IDENTITY, level=PERSON, severity=ERROR, applies=REGISTERED, fields=("id_number",),
      title="身份证号码校验码错误", message="居民身份证号码校验码错误",
      detail=lambda p: pl.format("第18位应为{}", _expected_check()))
def id_check_char(p):
    return (col("id_type") == "1") & _id_ok_format() & (col("id_number").str.slice(17, 1) != _expected_check())


@rule("ID_02", family=IDENTITY, level=PERSON, severity=ERROR, applies=REGISTERED, fields=("id_number",),
      title="身份证号码格式或出生日期错误", message="居民身份证号码不是18位或其中的出生日期不存在")
def id_format(p):
    return (col("id_type") == "1") & (col("id_number") != "") & (~_id_ok_format() | _id_birth().is_null())


@rule("ID_03", family=IDENTITY, level=PERSON, severity=ERROR, applies=REGISTERED, fields=("sex", "id_number"),
      title="性别与证件号码不符", message="性别与身份证号码第17位不一致")
def id_sex(p):
    digit = col("id_number").str.slice(16, 1).cast(pl.Int32, strict=False)
    implied = pl.when(digit % 2 == 1).then(pl.lit("1")).otherwise(pl.lit("2"))
    return (col("id_type") == "1") & _id_ok_format() & (col("sex") != "") & (col("sex") != implied)


@rule("ID_04", family=IDENTITY, level=PERSON, severity=ERROR, applies=REGISTERED, fields=("birth_date", "id_number"),
      title="出生日期与证件号码不符", message="出生日期与身份证号码中的出生日期不一致")
def id_birth(p):
    return (col("id_type") == "1") & _id_ok_format() & _id_birth().is_not_null() & (col("birth_date") != _id_birth())


@rule("3_01_001", family=IDENTITY, level=PERSON, applies=REGISTERED, fields=("relationship",),
      title="与户主关系为空", message="与户主关系为空")
def relationship_empty(p):
    return empty("relationship")


@rule("HH_01", family=IDENTITY, level=HOUSEHOLD, severity=ERROR, applies=REGISTERED, fields=("relationship",),
      title="无户主或多个户主", message="户内在户成员中没有户主或有多个户主",
      detail=lambda p: pl.format("户主{}人", col("n_heads")))
def head_count(p):
    return (col("n_persons") > 0) & (col("n_heads") != 1)


@rule(("2_02_001", "2_11_003"), applies=(EXITED, MONITORED), family=IDENTITY, level=HOUSEHOLD, frame=PERSON,
      fields=("sex", "relationship"), title="户主与配偶性别相同", message="户主与配偶性别相同")
def head_spouse_sex(p):
    head_sex = pl.when(col("relationship") == "01").then(col("sex")).max().over("household_id")
    return (col("relationship") == "02") & (col("sex") != "") & (col("sex") == head_sex)


@rule("2_12_008", family=IDENTITY, level=PERSON, applies=REGISTERED, fields=("relationship", "sex"),
      title="与户主关系与性别矛盾", message="与户主关系与性别矛盾",
      detail=lambda p: pl.format("关系要求性别为{}", pl.when(col("rel_sex") == "1").then(pl.lit("男"))
                                 .otherwise(pl.lit("女"))))
def relationship_sex(p):
    return (col("rel_sex") != "") & (col("sex") != "") & (col("sex") != col("rel_sex"))


@rule("AGE_01", family=IDENTITY, level=PERSON, applies=REGISTERED, fields=("birth_date", "relationship"),
      title="子女与户主年龄差过小", message="户主子女辈成员年龄应比户主小{min_gap}岁以上",
      params=(Param("min_gap", "最小年龄差(岁)", 12, minimum=0, maximum=60),),
      detail=lambda p: pl.format("本人{}岁，户主{}岁", col("age"), col("head_age")))
def child_older_than_head(p):
    return (col("generation") == -1) & col("head_age").is_not_null() & (col("age") > col("head_age") - p.min_gap)


@rule("AGE_02", family=IDENTITY, level=PERSON, applies=REGISTERED, fields=("birth_date", "relationship"),
      title="父母辈与户主年龄差过小", message="户主父母辈成员年龄应比户主大{min_gap}岁以上",
      params=(Param("min_gap", "最小年龄差(岁)", 12, minimum=0, maximum=60),),
      detail=lambda p: pl.format("本人{}岁，户主{}岁", col("age"), col("head_age")))
def parent_younger_than_head(p):
    return (col("generation") == 1) & col("head_age").is_not_null() & (col("age") < col("head_age") + p.min_gap)


# Codes used by other families.
MALE_RELATIONSHIPS = relationship_codes("1")
FEMALE_RELATIONSHIPS = relationship_codes("2")
