"""教育与年龄: grade against age, education level against age, children out of school."""

from __future__ import annotations

import polars as pl

from ..catalogue import EXITED, HOUSEHOLD, MONITORED, PERSON, REGISTERED, Param, rule
from .common import EDUCATION, col, empty, student_codes

JUNIOR = student_codes("junior")
SENIOR_OR_VOCATIONAL = student_codes("senior", "sec_vocational")
POSTGRADUATE = student_codes("postgraduate")

_age = lambda p: pl.format("{}岁", col("age"))  # noqa: E731


@rule("5_17_003", family=EDUCATION, level=PERSON, applies=EXITED, fields=("student_status", "birth_date"),
      title="初中在校生年龄异常", message="七年级至九年级在校生年龄应在{min_age}至{max_age}岁之间",
      params=(Param("min_age", "最小年龄", 12, minimum=0, maximum=120),
              Param("max_age", "最大年龄", 17, minimum=0, maximum=120)), detail=_age)
def junior_age(p):
    return col("student_status").is_in(JUNIOR) & ~col("age").is_between(p.min_age, p.max_age)


@rule("5_17_004", family=EDUCATION, level=PERSON, applies=EXITED, fields=("student_status", "birth_date"),
      title="高中中职在校生年龄异常", message="普通高中或中职一至三年级在校生年龄应在{min_age}至{max_age}岁之间",
      params=(Param("min_age", "最小年龄", 15, minimum=0, maximum=120),
              Param("max_age", "最大年龄", 20, minimum=0, maximum=120)), detail=_age)
def senior_age(p):
    return col("student_status").is_in(SENIOR_OR_VOCATIONAL) & ~col("age").is_between(p.min_age, p.max_age)


@rule(("5_17_006", "5_12_018"), applies=(EXITED, MONITORED), family=EDUCATION, level=PERSON,
      fields=("student_status", "birth_date"), title="硕士生年龄过小", message="在校生状况为硕士生及以上，年龄小于{min_age}岁",
      params=(Param("min_age", "最小年龄", 20, minimum=0, maximum=120),), detail=_age)
def postgraduate_age(p):
    return col("student_status").is_in(POSTGRADUATE) & (col("age") < p.min_age)


@rule(("5_17_007", "5_12_019"), applies=(EXITED, MONITORED), family=EDUCATION, level=PERSON,
      fields=("education",), title="青年文化程度过低", message="{min_age}至{max_age}岁人员文化程度为小学及以下",
      params=(Param("min_age", "最小年龄", 16, minimum=0, maximum=120),
              Param("max_age", "最大年龄", 22, minimum=0, maximum=120)), detail=_age)
def young_low_education(p):
    return col("age").is_between(p.min_age, p.max_age) & (col("edu_rank") <= 2)


@rule("3_01_002", family=EDUCATION, level=PERSON, applies=REGISTERED,
      fields=("education", "student_status", "not_in_school_reason"),
      title="文化程度、在校生状况、未上学原因均为空", message="文化程度、在校生状况和未上学原因均为空")
def education_all_empty(p):
    return empty("education") & empty("student_status") & empty("not_in_school_reason") & empty("dropout_reason")


@rule(("5_15_016", "5_15_017"), applies=(EXITED, MONITORED), family=EDUCATION, level=PERSON,
      fields=("student_status", "not_in_school_reason"), title="义务教育阶段适龄儿童未在校且无原因",
      message="{min_age}至{max_age}岁义务教育阶段适龄儿童未在校，且未填写未上学或失学辍学原因",
      params=(Param("min_age", "最小年龄", 6, minimum=0, maximum=30),
              Param("max_age", "最大年龄", 15, minimum=0, maximum=30)), detail=_age)
def child_not_in_school(p):
    return (col("age").is_between(p.min_age, p.max_age) & ~col("is_student") & empty("not_in_school_reason")
            & empty("dropout_reason"))


@rule("4_11_008", family=EDUCATION, level=HOUSEHOLD, frame=PERSON, applies=REGISTERED,
      fields=("household.education_secured",), title="标记义务教育无保障但无失学辍学儿童",
      message="户标记为义务教育无保障（有适龄儿童失学辍学），但成员中没有{min_age}至{max_age}岁未在校儿童",
      params=(Param("min_age", "最小年龄", 6, minimum=0, maximum=30),
              Param("max_age", "最大年龄", 15, minimum=0, maximum=30)))
def flagged_out_of_school_without_child(p):
    child = col("age").is_between(p.min_age, p.max_age) & ~col("is_student")
    return (col("h_education_secured") == False) & ~child.any().over("household_id")  # noqa: E712
