"""监测逻辑: who should be monitored, risk elimination, risk types against the household's members and income.

"Income" is the latest income record up to the check year (``inc_*``); "income at identification" is the record
of the year of the identification month (``idinc_*``). The monitoring line is a parameter (by province and year).

The measure checks are in :mod:`.measures`. QUALITY-RULES.md also gives 1_11_011 to the implausible-wage line;
that check is registered under its other code, 5_15_023, only; 1_11_011 here is the eliminated household without
a monitoring contact (a current 帮扶责任人 with a phone).
"""

from __future__ import annotations

import polars as pl

from ..catalogue import ALL, ELIMINATED, EXITED, HOUSEHOLD, MONITORED, OPEN, PERSON, Param, rule
from .common import MONITORING, codes_except, col, has_risk, is_false, months_between, uninsured_medical

DANGEROUS = codes_except("dangerous_house", "0")
ILLNESS, WORK_UNSTABLE, LACK_LABOUR, WATER = "01", "07", "08", "10"
BY_ASSISTANCE, NATURAL = "1", "2"

_line = lambda: (Param("line", "监测线(元/人·年)", 7300, kind="number", minimum=0, maximum=100000),)  # noqa: E731
_income = lambda p: pl.format("人均纯收入{}元", col("inc_per_capita_income"))  # noqa: E731
_months = lambda p: pl.format("识别{}，消除{}", col("monitor_identified_month").dt.strftime("%Y-%m"),  # noqa: E731
                              col("eliminated_month").dt.strftime("%Y-%m"))


def _not_monitored() -> pl.Expr:
    return col("monitor_kind") == ""


def _months_monitored() -> pl.Expr:
    return months_between(col("eliminated_month"), col("monitor_identified_month"))


def _all_no_labour() -> pl.Expr:
    return (col("n_persons") > 0) & (col("n_no_labour") == col("n_persons"))


def _can_work_share_above(share) -> pl.Expr:
    return col("n_can_work") * 100 > col("n_persons") * share


@rule("1_02_006", family=MONITORING, level=HOUSEHOLD, applies=EXITED,
      fields=("household.monitor_kind", "household.incomes"), title="脱贫户收入低于监测线未纳入监测",
      message="脱贫户人均纯收入低于监测线{line}元，但未纳入监测", params=_line(), detail=_income)
def exited_below_line(p):
    return _not_monitored() & (col("inc_per_capita_income") < p.line)


@rule("1_02_001", family=MONITORING, level=HOUSEHOLD, applies=ALL, fields=("household.dangerous_house",),
      title="危房户未纳入监测", message="住房为危房，但未纳入监测")
def dangerous_not_monitored(p):
    return col("dangerous_house").is_in(DANGEROUS) & _not_monitored()


@rule("1_02_008", family=MONITORING, level=HOUSEHOLD, applies=ELIMINATED,
      fields=("household.dangerous_house", "household.housing_secured"), title="风险已消除但住房不安全",
      message="风险已消除，但住房为危房或住房安全无保障")
def eliminated_unsafe_housing(p):
    return col("dangerous_house").is_in(DANGEROUS) | is_false("housing_secured")


@rule("1_02_009", family=MONITORING, level=HOUSEHOLD, applies=ELIMINATED,
      fields=("household.water_safe", "household.water_secured"), title="风险已消除但饮水不安全",
      message="风险已消除，但未解决安全饮用水或饮水安全无保障")
def eliminated_unsafe_water(p):
    return is_false("water_safe") | is_false("water_secured")


@rule("2_11_002", family=MONITORING, level=HOUSEHOLD, applies=ELIMINATED,
      fields=("household.eliminated_month", "household.monitor_identified_month"), title="识别后不足6个月即消除风险",
      message="{since}起消除风险的监测对象，自识别监测到消除风险不足{min_months}个月",
      params=(Param("min_months", "最短监测时长(月)", 6, minimum=0, maximum=120),
              Param("since", "消除时间起(年-月)", "2022-04", kind="month")), detail=_months)
def eliminated_too_soon(p):
    return (col("eliminated_month") >= pl.lit(p.since)) & (_months_monitored() < p.min_months)


@rule("5_18_009", family=MONITORING, level=HOUSEHOLD, applies=ELIMINATED,
      fields=("household.eliminated_month", "household.elimination_way"), title="识别当月或次月即消除风险",
      message="非自然消除的监测对象在识别监测当月或次月即消除风险", detail=_months)
def eliminated_next_month(p):
    return (col("elimination_way") != NATURAL) & (_months_monitored() <= 1)


@rule("4_11_010", family=MONITORING, level=HOUSEHOLD, applies=ELIMINATED,
      fields=("household.elimination_way", "household.incomes"), title="帮扶消除但收入低于监测线",
      message="风险消除方式为帮扶消除，但人均纯收入低于监测线{line}元", params=_line(), detail=_income)
def eliminated_below_line(p):
    return (col("elimination_way") == BY_ASSISTANCE) & (col("inc_per_capita_income") < p.line)


@rule("4_11_011", family=MONITORING, level=HOUSEHOLD, applies=ELIMINATED,
      fields=("household.risk_eliminated", "household.no_labour_support"), title="无劳动能力户标记风险已消除",
      message="整户无劳动能力（成员均无劳动力或丧失劳动力，或为兜底保障户），但标记为风险已消除")
def no_labour_eliminated(p):
    return _all_no_labour() | col("no_labour_support").fill_null(False)


@rule("5_11_033", family=MONITORING, level=HOUSEHOLD, applies=OPEN, fields=("household.no_labour_support",),
      title="无劳动能力户未标记兜底保障", message="成员均无劳动力或丧失劳动力，但未标记为整户无劳动能力兜底保障户")
def no_labour_not_flagged(p):
    return _all_no_labour() & ~col("no_labour_support").fill_null(False)


@rule("1111_18", family=MONITORING, level=HOUSEHOLD, applies=MONITORED,
      fields=("household.monitor_identified_month", "household.incomes"), title="识别时人均纯收入过高",
      message="{since_year}年及以后识别的监测对象，识别时人均纯收入高于{max_income}元",
      params=(Param("since_year", "识别年度起", 2023, kind="year"),
              Param("max_income", "识别时人均纯收入上限(元)", 20000, kind="number", minimum=0, maximum=1000000)),
      detail=lambda p: pl.format("识别时人均纯收入{}元", col("idinc_per_capita_income")))
def identified_with_high_income(p):
    return ((col("monitor_identified_month").dt.year() >= p.since_year)
            & (col("idinc_per_capita_income") > p.max_income))


@rule("4_11_006", family=MONITORING, level=HOUSEHOLD, applies=OPEN,
      fields=("household.risk_types", "household.water_safe"), title="饮水不安全但无因安全饮水风险",
      message="未解决安全饮用水或饮水安全无保障，但风险类型中没有因安全饮水")
def unsafe_water_without_risk(p):
    return (is_false("water_safe") | is_false("water_secured")) & ~has_risk(WATER)


@rule("4_11_007", family=MONITORING, level=PERSON, applies=OPEN,
      fields=("med_resident", "med_employee", "household.risk_types"), title="成员未参加医疗保险但无因病风险",
      message="成员未参加基本医疗保险，但户的风险类型中没有因病")
def uninsured_without_risk(p):
    return uninsured_medical() & ~has_risk(ILLNESS, "h_")


@rule("4_11_009", family=MONITORING, level=HOUSEHOLD, applies=OPEN,
      fields=("household.risk_types", "labour_capacity"),
      title="成员均有劳动能力但有缺劳动力风险", message="户内成员均有劳动能力，但风险类型为缺劳动力",
      detail=lambda p: pl.format("有劳动能力{}人，共{}人", col("n_can_work"), col("n_persons")))
def all_can_work_lacking_labour(p):
    return (col("n_persons") > 0) & (col("n_can_work") == col("n_persons")) & has_risk(LACK_LABOUR)


@rule("5_11_029", family=MONITORING, level=HOUSEHOLD, applies=OPEN,
      fields=("household.risk_types", "labour_capacity"),
      title="多数成员有劳动能力但有缺劳动力风险",
      message="{min_size}人及以上的户，有劳动能力的成员超过{share}%，但风险类型为缺劳动力",
      params=(Param("min_size", "最少家庭人口(人)", 4, minimum=1, maximum=50),
              Param("share", "有劳动能力成员占比(%)", 50, kind="number", minimum=0, maximum=100)),
      detail=lambda p: pl.format("有劳动能力{}人，共{}人", col("n_can_work"), col("n_persons")))
def most_can_work_lacking_labour(p):
    return (col("n_persons") >= p.min_size) & _can_work_share_above(p.share) & has_risk(LACK_LABOUR)


@rule("5_18_008", family=MONITORING, level=HOUSEHOLD, applies=OPEN,
      fields=("household.risk_types", "labour_capacity"),
      title="有劳动能力成员较多但有缺劳动力风险", message="有劳动能力的成员超过{share}%，但风险类型为缺劳动力",
      params=(Param("share", "有劳动能力成员占比(%)", 25, kind="number", minimum=0, maximum=100),),
      detail=lambda p: pl.format("有劳动能力{}人，共{}人", col("n_can_work"), col("n_persons")))
def quarter_can_work_lacking_labour(p):
    return (col("n_persons") > 0) & _can_work_share_above(p.share) & has_risk(LACK_LABOUR)


@rule("5_15_013", family=MONITORING, level=HOUSEHOLD, applies=MONITORED,
      fields=("household.risk_types", "labour_capacity"), title="因务工就业不稳风险但无劳动能力成员",
      message="风险类型为因务工就业不稳，但户内没有有劳动能力的成员")
def work_risk_without_labour(p):
    return has_risk(WORK_UNSTABLE) & (col("n_persons") > 0) & (col("n_can_work") == 0)


@rule("5_15_014", family=MONITORING, level=HOUSEHOLD, applies=MONITORED,
      fields=("household.risk_types", "work_records"),
      title="因务工就业不稳风险但无务工记录", message="风险类型为因务工就业不稳，但没有成员有务工记录")
def work_risk_without_work_record(p):
    return has_risk(WORK_UNSTABLE) & (col("n_work_record") == 0)


@rule("5_15_015", family=MONITORING, level=HOUSEHOLD, applies=MONITORED, fields=("household.risk_types", "health"),
      title="因病风险但无患病成员", message="风险类型为因病，但没有成员患大病或长期慢性病")
def illness_risk_without_ill_member(p):
    return has_risk(ILLNESS) & (col("n_ill") == 0)


@rule("5_15_020", family=MONITORING, level=HOUSEHOLD, applies=MONITORED,
      fields=("household.risk_types", "household.incomes"),
      title="因病风险但识别时合规自付医疗支出为0", message="风险类型为因病，但识别监测时合规自付支出为0")
def illness_risk_without_medical_cost(p):
    return has_risk(ILLNESS) & (col("idinc_medical_out_of_pocket") == 0)


@rule("5_15_023", family=MONITORING, level=HOUSEHOLD, applies=MONITORED, fields=("household.incomes",),
      title="识别时工资性收入不合理", message="识别监测时工资性收入大于0且小于{min_wage}元",
      params=(Param("min_wage", "最低合理工资性收入(元)", 100, kind="number", minimum=0, maximum=100000),),
      detail=lambda p: pl.format("工资性收入{}元", col("idinc_wage")))
def implausible_identification_wage(p):
    return (col("idinc_wage") > 0) & (col("idinc_wage") < p.min_wage)


@rule("1_11_011", family=MONITORING, level=HOUSEHOLD, applies=ELIMINATED, fields=("household.helper_assignments",),
      title="风险消除户无帮扶联系人", message="风险已消除的监测对象，没有在帮的帮扶联系人（帮扶责任人）或其联系电话为空")
def eliminated_without_contact(p):
    return col("n_helpers") == 0
