"""帮扶措施: measures against the household's risks and members, and measures against its income and work.

The rules read the measure texts by category (``ms_*`` columns, :data:`fupin.quality.frames.MEASURE_SOURCES`):
today the national export's measure columns, kept by the import. A category counts as present when its text says
something other than "none" (:data:`fupin.quality.frames.NO_MEASURE`); a specific measure inside a category (雨露计划, the medical-insurance
contribution subsidy, the transport subsidy …) is found by the words counties use for it, as their own scripts do.

Where QUALITY-RULES.md lists several codes for one check, the codes are split as follows:
- 1111_06 (open monitored households identified before the month) and 1111_09 (exited households) are the two
  groups that must have the resident medical-insurance contribution subsidy; 1111_13 is a monitored household
  identified from that month to the end of its year (after the year's contribution) with the subsidy recorded.
- 1111_2 / 5_15_011 are the exited / monitored variants of the vocational student without 雨露计划; 5_15_012 is
  雨露计划 recorded with no vocational student in the household.
- 1111_3 / 4_11_014 are the exited / monitored variants of an employment measure with nobody working;
  5_17_011 a labour-export measure, 5_17_012 a transport subsidy, with nobody working away; 5_17_013 a public-post
  measure with nobody on a post.
- 1111_4 concerns monitored households that were not poor households (the relocation programme ended in 2020, so
  a relocation measure is only possible for an exited household).
"""

from __future__ import annotations

import polars as pl

from ..catalogue import (
    ELIMINATED,
    EXITED,
    EXITED_OR_MONITORED,
    HOUSEHOLD,
    MONITORED,
    OPEN,
    PERSON,
    Param,
    rule,
)
from .common import MEASURES, col, has_risk, uninsured_medical

ILLNESS, DISABILITY, SCHOOLING, HOUSING, WATER = "01", "02", "03", "09", "10"
# The words by which a specific measure is recognised in its category's text.
MED_SUBSIDY = "参保资助|资助参保|参保补贴|缴费补贴|代缴|医保资助"
YULU = "雨露计划"
LABOUR_EXPORT = "劳务输出|外出务工|转移就业|务工就业"
TRANSPORT = "交通"
SECURITY_SUBSIDY = "低保|特困|残疾"
DISABILITY_SUBSIDY = "残疾"
# Development measures (5_11_030): the ones that raise income by the household's own work.
DEVELOPMENT = ("ms_industry", "ms_employment", "ms_post", "ms_finance")
ALL_MEASURES = ("ms_industry", "ms_employment", "ms_post", "ms_health", "ms_education", "ms_compulsory",
                "ms_housing", "ms_water", "ms_security", "ms_finance", "ms_social", "ms_relocation", "ms_resettled",
                "ms_other")


def has(*names: str, prefix: str = "") -> pl.Expr:
    """Any of the categories ``names`` records a measure (the frames leave a category empty when its text says
    "none", :data:`fupin.quality.frames.NO_MEASURE`)."""
    return pl.any_horizontal(col(prefix + n).fill_null("") != "" for n in names)


def mentions(name: str, words: str, prefix: str = "") -> pl.Expr:
    """The category's text names a measure by one of ``words`` (a regular-expression alternation). (On the persons
    frame the texts are categories: read as text here.)"""
    return col(prefix + name).cast(pl.Utf8).fill_null("").str.contains(words)


def _no_income(name: str) -> pl.Expr:
    return col(name).fill_null(0) <= 0


_measure = lambda name: lambda p: pl.format("措施：{}", col(name))  # noqa: E731
_FIELDS = ("household.extra",)  # the measure texts (the national export's measure columns)


# --- measures against the household's risks (monitored households) --------------------------------------------
# code, risk type, the categories any of which answers it, title, message.
RISK_MEASURES = (
    ("5_18_001", ILLNESS, ("ms_health", "ms_social"), "因病风险无健康或社会帮扶措施",
     "风险类型为因病，但没有健康帮扶或社会帮扶措施"),
    ("5_18_002", SCHOOLING, ("ms_education", "ms_compulsory"), "因学风险无教育帮扶措施",
     "风险类型为因学，但没有教育帮扶或义务教育保障措施"),
    ("5_18_003", DISABILITY, ("ms_security", "ms_social"), "因残风险无综合保障或社会帮扶措施",
     "风险类型为因残，但没有综合保障（兜底保障）或社会帮扶措施"),
    ("5_18_004", HOUSING, ("ms_housing", "ms_relocation", "ms_resettled"), "因安全住房风险无住房或搬迁措施",
     "风险类型为因安全住房，但没有住房安全保障或搬迁措施"),
    ("5_18_006", WATER, ("ms_water",), "因安全饮水风险无饮水安全措施", "风险类型为因安全饮水，但没有饮水安全保障措施"),
)


def _risk_without_measure(risk: str, categories: tuple[str, ...]):
    def expr(p):
        return has_risk(risk) & ~has(*categories)
    return expr


for _code, _risk, _categories, _title, _message in RISK_MEASURES:
    rule(_code, family=MEASURES, level=HOUSEHOLD, applies=MONITORED, fields=(*_FIELDS, "household.risk_types"),
         title=_title, message=_message)(_risk_without_measure(_risk, _categories))


@rule("5_18_005", family=MEASURES, level=PERSON, applies=MONITORED,
      fields=("student_status", "household.extra"), title="失学辍学儿童无义务教育保障措施",
      message="{min_age}至{max_age}岁儿童未在校，但户内没有义务教育保障或教育帮扶措施",
      params=(Param("min_age", "最小年龄", 6, minimum=0, maximum=30),
              Param("max_age", "最大年龄", 15, minimum=0, maximum=30)),
      detail=lambda p: pl.format("{}岁", col("age")))
def child_out_of_school_without_measure(p):
    return (col("age").is_between(p.min_age, p.max_age) & ~col("is_student")
            & ~has("ms_compulsory", "ms_education", prefix="h_"))


@rule("5_18_007", family=MEASURES, level=PERSON, applies=MONITORED,
      fields=("med_resident", "med_employee", "household.extra"), title="未参保成员无健康或社会帮扶措施",
      message="成员未参加基本医疗保险，但户内没有健康帮扶或社会帮扶措施")
def uninsured_without_health_measure(p):
    return uninsured_medical() & ~has("ms_health", "ms_social", prefix="h_")


# --- the resident medical-insurance contribution subsidy ------------------------------------------------------
_since = lambda: (Param("since", "参保资助截止识别月份", "2023-04", kind="month"),)  # noqa: E731


@rule("1111_06", family=MEASURES, level=HOUSEHOLD, applies=OPEN,
      fields=(*_FIELDS, "household.monitor_identified_month"), title="监测对象未享受医保参保资助",
      message="{since}以前识别的未消除风险监测对象，没有城乡居民医保参保资助措施",
      params=_since(), detail=lambda p: pl.format("识别{}", col("monitor_identified_month").dt.strftime("%Y-%m")))
def open_without_medical_subsidy(p):
    return (col("monitor_identified_month") < pl.lit(p.since)) & ~mentions("ms_health", MED_SUBSIDY)


@rule("1111_09", family=MEASURES, level=HOUSEHOLD, applies=EXITED, fields=_FIELDS,
      title="脱贫户未享受医保参保资助", message="脱贫户没有城乡居民医保参保资助措施")
def exited_without_medical_subsidy(p):
    return ~mentions("ms_health", MED_SUBSIDY)


@rule("1111_13", family=MEASURES, level=HOUSEHOLD, applies=MONITORED,
      fields=(*_FIELDS, "household.monitor_identified_month"), title="参保后识别的监测对象录入医保参保资助",
      message="{since}至当年年底识别的监测对象（当年参保缴费已结束），却录有城乡居民医保参保资助措施",
      params=_since(), detail=_measure("ms_health"))
def late_identified_with_medical_subsidy(p):
    month = col("monitor_identified_month")
    return ((month >= pl.lit(p.since)) & (month.dt.year() == p.since.year)
            & mentions("ms_health", MED_SUBSIDY))


# --- 雨露计划 ---------------------------------------------------------------------------------------------------
@rule(("1111_2", "5_15_011"), applies=(EXITED, MONITORED), family=MEASURES, level=PERSON,
      fields=("student_status", "household.extra"), title="中高职在校生未享受雨露计划",
      message="中职或高职在校生，户内没有雨露计划措施")
def vocational_without_yulu(p):
    return col("stage").is_in(["sec_vocational", "higher_vocational"]) & ~mentions("ms_education", YULU, "h_")


@rule("5_15_012", family=MEASURES, level=HOUSEHOLD, applies=EXITED_OR_MONITORED,
      fields=(*_FIELDS, "student_status"), title="雨露计划无中高职在校生",
      message="录有雨露计划措施，但户内没有中职或高职在校生", detail=_measure("ms_education"))
def yulu_without_vocational(p):
    return mentions("ms_education", YULU) & (col("n_vocational") == 0)


# --- employment and public posts against work --------------------------------------------------------------------
@rule(("1111_3", "4_11_014"), applies=(EXITED, MONITORED), family=MEASURES, level=HOUSEHOLD,
      fields=(*_FIELDS, "work_status", "work_records"), title="有就业帮扶但无人务工",
      message="录有就业帮扶措施，但没有成员务工，也没有务工记录", detail=_measure("ms_employment"))
def employment_measure_without_work(p):
    return has("ms_employment") & (col("n_working") == 0) & (col("n_work_record") == 0)


@rule("5_17_011", family=MEASURES, level=HOUSEHOLD, applies=EXITED_OR_MONITORED,
      fields=(*_FIELDS, "work_status", "work_records"), title="有劳务输出措施但无人外出务工",
      message="录有劳务输出（外出务工）措施，但没有成员外出务工，也没有已外出务工记录",
      detail=_measure("ms_employment"))
def labour_export_without_away(p):
    return mentions("ms_employment", LABOUR_EXPORT) & (col("n_away_or_worked") == 0)


@rule("5_17_012", family=MEASURES, level=HOUSEHOLD, applies=EXITED_OR_MONITORED,
      fields=(*_FIELDS, "work_status", "work_records"), title="有交通补助措施但无人外出务工",
      message="录有外出务工交通费补助措施，但没有成员外出务工，也没有已外出务工记录",
      detail=_measure("ms_employment"))
def transport_without_away(p):
    return mentions("ms_employment", TRANSPORT) & (col("n_away_or_worked") == 0)


@rule("5_17_013", family=MEASURES, level=HOUSEHOLD, applies=EXITED_OR_MONITORED,
      fields=(*_FIELDS, "welfare_post"), title="有公益岗位帮扶但无人从事公益性岗位",
      message="录有公益岗位帮扶措施，但没有成员从事公益性岗位", detail=_measure("ms_post"))
def post_measure_without_post(p):
    return has("ms_post") & (col("n_welfare_posts") == 0)


@rule("1111_10", family=MEASURES, level=HOUSEHOLD, applies=EXITED_OR_MONITORED,
      fields=(*_FIELDS, "work_records"), title="交通补助措施补助金额为0",
      message="录有外出务工交通费补助措施，但务工记录的年度交通费补助合计为0")
def transport_measure_without_amount(p):
    return mentions("ms_employment", TRANSPORT) & (col("sum_transport_subsidy").fill_null(0) <= 0)


# --- measures against income (eliminated households) -------------------------------------------------------------
@rule("4_11_012", family=MEASURES, level=HOUSEHOLD, applies=ELIMINATED, fields=(*_FIELDS, "household.incomes"),
      title="有就业或公益岗位措施但无工资性收入", message="风险已消除，录有就业帮扶或公益岗位帮扶措施，但工资性收入为0")
def employment_measure_without_wage(p):
    return has("ms_employment", "ms_post") & _no_income("inc_wage")


@rule("4_11_013", family=MEASURES, level=HOUSEHOLD, applies=ELIMINATED, fields=(*_FIELDS, "household.incomes"),
      title="有低保特困或残疾补贴但无转移性收入",
      message="风险已消除，录有低保、特困供养或残疾人补贴措施，但转移性收入为0", detail=_measure("ms_security"))
def security_measure_without_transfer(p):
    return mentions("ms_security", SECURITY_SUBSIDY) & _no_income("inc_transfer")


@rule("5_11_013", family=MEASURES, level=HOUSEHOLD, applies=ELIMINATED, fields=(*_FIELDS, "household.incomes"),
      title="有产业帮扶但无生产经营性收入", message="风险已消除，录有产业帮扶措施，但生产经营性收入为0",
      detail=_measure("ms_industry"))
def industry_measure_without_operating(p):
    return has("ms_industry") & _no_income("inc_operating")


@rule("4_11_016", family=MEASURES, level=HOUSEHOLD, applies=EXITED_OR_MONITORED, fields=(*_FIELDS, "health"),
      title="有残疾人补贴但无残疾成员", message="录有残疾人补贴措施，但户内（含已减少的成员）没有残疾成员",
      detail=_measure("ms_security"))
def disability_subsidy_without_disabled(p):
    return (mentions("ms_security", DISABILITY_SUBSIDY) & (col("n_disabled") == 0)
            & (col("n_disabled_left") == 0))


# --- the mix of measures -----------------------------------------------------------------------------------------
@rule("5_11_030", family=MEASURES, level=HOUSEHOLD, applies=OPEN, fields=(*_FIELDS, "labour_capacity"),
      title="有劳动能力户无发展类帮扶措施",
      message="未消除风险、有劳动能力的监测对象，产业、就业、公益岗位和金融帮扶措施均为空或未落实")
def able_without_development_measure(p):
    return (col("n_can_work") > 0) & ~has(*DEVELOPMENT)


@rule("5_11_032", family=MEASURES, level=HOUSEHOLD, applies=OPEN, fields=(*_FIELDS, "labour_capacity"),
      title="有劳动能力户仅有综合保障措施", message="未消除风险、有劳动能力的监测对象，帮扶措施只有综合保障（兜底）",
      detail=_measure("ms_security"))
def able_with_only_security(p):
    others = [n for n in ALL_MEASURES if n != "ms_security"]
    return (col("n_can_work") > 0) & has("ms_security") & ~has(*others)


@rule("1111_4", family=MEASURES, level=HOUSEHOLD, applies=MONITORED,
      fields=(*_FIELDS, "household.monitor_identified_month"), title="新识别监测对象有易地搬迁措施",
      message="{since_year}年及以后识别的非脱贫户监测对象，录有易地扶贫搬迁措施",
      params=(Param("since_year", "识别年度起", 2021, kind="year"),), detail=_measure("ms_relocation"))
def new_monitored_with_relocation(p):
    return ((col("household_type") != "2") & (col("monitor_identified_month").dt.year() >= p.since_year)
            & has("ms_relocation"))
