"""公益性岗位: age of post holders, post and months agreeing, number of posts in a household.

3_01_005 is the months-without-post check and 3_01_006 the post-without-months check (all registered
households); 3_01_010 / 3_01_011 and the age checks are exited / monitored pairs.
"""

from __future__ import annotations

import polars as pl

from ..catalogue import EXITED, HOUSEHOLD, MONITORED, PERSON, REGISTERED, Param, rule
from .common import WELFARE_POST, col, is_true

_age = lambda p: pl.format("{}岁", col("age"))  # noqa: E731


@rule(("3_01_008", "5_12_004"), applies=(EXITED, MONITORED), family=WELFARE_POST, level=PERSON,
      fields=("welfare_post", "birth_date"), title="未满16周岁人员从事公益性岗位",
      message="未满{min_age}周岁人员从事公益性岗位",
      params=(Param("min_age", "最小年龄(岁)", 16, minimum=0, maximum=120),), detail=_age)
def child_on_post(p):
    return is_true("welfare_post") & (col("age") < p.min_age)


@rule(("5_01_006", "5_12_005"), applies=(EXITED, MONITORED), family=WELFARE_POST, level=PERSON,
      fields=("welfare_post", "birth_date"), title="高龄人员从事公益性岗位", message="{old_age}周岁及以上人员从事公益性岗位",
      params=(Param("old_age", "高龄年龄(岁)", 70, minimum=0, maximum=120),), detail=_age)
def old_on_post(p):
    return is_true("welfare_post") & (col("age") >= p.old_age)


@rule("3_01_005", family=WELFARE_POST, level=PERSON, applies=REGISTERED,
      fields=("welfare_post", "welfare_post_months"),
      title="有公益性岗位月数但无公益性岗位", message="填写了公益性岗位月数，但未从事公益性岗位",
      detail=lambda p: pl.format("{}个月", col("welfare_post_months")))
def months_without_post(p):
    return ~is_true("welfare_post") & (col("welfare_post_months") > 0)


@rule("3_01_006", family=WELFARE_POST, level=PERSON, applies=REGISTERED,
      fields=("welfare_post", "welfare_post_months"),
      title="有公益性岗位但无岗位月数", message="从事公益性岗位，但公益性岗位月数为空或为0")
def post_without_months(p):
    return is_true("welfare_post") & (col("welfare_post_months").is_null() | (col("welfare_post_months") <= 0))


@rule(("3_01_010", "3_01_011"), applies=(EXITED, MONITORED), family=WELFARE_POST, level=HOUSEHOLD,
      fields=("welfare_post",), title="一户公益性岗位过多", message="户内从事公益性岗位的人数达到{max_posts}人及以上",
      params=(Param("max_posts", "岗位人数(人)", 3, minimum=1, maximum=20),),
      detail=lambda p: pl.format("{}人", col("n_welfare_posts")))
def too_many_posts(p):
    return col("n_welfare_posts") >= p.max_posts
