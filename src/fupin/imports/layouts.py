"""The columns of the person layout (one row per person, household columns repeated).

One list serves both formats: our template uses each column's ``label``; files exported by the national system
are matched through ``aliases`` (their Chinese headers). Kinds, code lists and length limits come from the model
fields, so a field added to the registry needs one line here to become importable and exportable.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.db import models

from fupin.batch.cells import normalise_label
from fupin.core.fields import MultiCodeField
from fupin.registry.models import Household, IncomeRecord, Member

AREA, HOUSEHOLD, MEMBER, INCOME, HOUSEHOLD_EXTRA = "area", "household", "member", "income", "household_extra"


@dataclass(frozen=True)
class Column:
    key: str  # target field name (or area part / extra key)
    target: str  # AREA / HOUSEHOLD / MEMBER / INCOME / HOUSEHOLD_EXTRA
    label: str  # header in our template and exports
    kind: str  # text, int, decimal, bool, date, month, code, multicode, id, phone, year
    code_list: str = ""
    aliases: tuple[str, ...] = ()
    max_length: int | None = None
    not_null_default: bool | None = None  # non-null boolean fields: an empty cell means this
    help: str = ""
    national: bool = True  # exported in the national layout
    multi_header: bool = False  # several headers may feed this column (致贫/返贫风险1…5)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


def _field_column(model: type[models.Model], name: str, target: str, *, label: str | None = None,
                  aliases: tuple[str, ...] = (), help: str = "", national: bool = True, kind: str | None = None,
                  multi_header: bool = False) -> Column:
    f = model._meta.get_field(name)
    code_list = ""
    max_length = None
    not_null_default = None
    if isinstance(f, MultiCodeField):
        guess, code_list = "multicode", f.code_list
    elif isinstance(f, models.CharField) and f.choices:
        guess = "code"
        choices = f.deconstruct()[3].get("choices")  # the codes.choices_of(name) partial
        code_list = choices.args[0] if hasattr(choices, "args") else ""
    elif isinstance(f, models.BooleanField):
        guess = "bool"
        not_null_default = None if f.null else bool(f.default)
    elif isinstance(f, models.DateField):
        guess = "month" if name.endswith("_month") else "date"
    elif isinstance(f, models.DecimalField):
        guess = "decimal"
    elif isinstance(f, models.IntegerField):
        guess = "year" if "year" in name else "int"
    elif name == "id_number":
        guess = "id"
    elif name == "phone":
        guess = "phone"
    else:
        guess = "text"
        max_length = getattr(f, "max_length", None)
    if guess == "code" and not code_list:
        raise ValueError(f"{model.__name__}.{name}: choices are not a code list")
    return Column(key=name, target=target, label=label or str(f.verbose_name), kind=kind or guess,
                  code_list=code_list, aliases=aliases, max_length=max_length, not_null_default=not_null_default,
                  help=help or str(f.help_text or ""), national=national, multi_header=multi_header)


def _h(name, **kw):
    return _field_column(Household, name, HOUSEHOLD, **kw)


def _m(name, **kw):
    return _field_column(Member, name, MEMBER, **kw)


def _i(name, **kw):
    return _field_column(IncomeRecord, name, INCOME, **kw)


RISK_HEADERS = tuple(f"致贫/返贫风险{i}" for i in range(1, 6)) + tuple(f"风险类型{i}" for i in range(1, 6))
MEASURE_HEADERS = ("产业帮扶", "就业帮扶", "公益岗位帮扶", "健康帮扶", "教育帮扶", "住房安全保障", "饮水安全保障", "综合保障",
                   "金融帮扶", "社会帮扶", "搬迁", "易地搬迁后扶", "其他帮扶", "义务教育保障", "基本医疗保障", "兜底保障")


@functools.cache
def person_columns() -> tuple[Column, ...]:
    cols = [
        Column("county", AREA, "县", "text", aliases=("县(市、区、旗)", "县(市区旗)", "县区", "县(区)")),
        Column("township", AREA, "乡", "text", aliases=("乡(镇)", "乡镇", "乡(镇、街道)", "乡镇(街道)")),
        Column("village", AREA, "村", "text", aliases=("行政村", "村(社区)", "行政村(社区)")),
        Column("village_code", AREA, "行政村代码", "text", aliases=("村代码", "行政区划代码"), national=False,
               help="12位统计用区划代码；填写后优先按代码确定行政村"),
        _h("number", help="户的唯一编号；再次导入时按户编号匹配已有农户"),
        _m("name"), _m("id_type"), _m("id_number", help="居民身份证号码18位；再次导入时按证件号码匹配已有成员"),
        _m("relationship"), _m("sex", help="可不填，由身份证号码推出"),
        _m("birth_date", help="可不填，由身份证号码推出；格式如2024-03-01、20240301"),
        _m("ethnicity"), _m("political_status", national=False), _m("education"), _m("student_status"),
        _m("not_in_school_reason"), _m("dropout_reason"), _m("health"), _m("disability_category", national=False),
        _m("disability_grade", national=False), _m("disability_certificate", national=False),
        _m("labour_capacity"), _m("work_status", national=False), _m("work_months", national=False),
        _m("work_place", national=False),
        _h("household_type"), _h("monitor_kind"), _h("monitor_identified_month", help="年月，如202403"),
        _h("risk_eliminated"), _h("elimination_way"), _h("eliminated_month", help="年月，如202409"),
        _h("risk_types", aliases=RISK_HEADERS, multi_header=True,
           help="可填多项，用顿号分隔；国家系统导出的“致贫/返贫风险1…5”各列合并为此项"),
        _i("year", label="收入年度", national=False, help="收入所属年度；国家系统导出文件无此列，导入时指定"),
        _i("wage"), _i("operating"), _i("property"), _i("transfer"),
        _i("family_planning", national=False), _i("dibao_income", national=False),
        _i("tekun_income", national=False), _i("pension_income", national=False),
        _i("eco_compensation", national=False), _i("other_transfer", national=False),
        _i("production_expenses"), _i("medical_out_of_pocket"),
        _m("med_resident"), _m("med_employee"), _m("med_critical"), _m("pension_resident"), _m("pension_employee"),
        _m("dibao"), _m("tekun"), _m("medical_assistance", national=False), _m("welfare_post"),
        _m("welfare_post_months"), _m("is_serviceman", national=False),
        _m("phone", label="成员联系电话", aliases=("家庭成员联系电话",)),
        _h("dangerous_house"), _h("water_safe"), _h("no_labour_support"),
        _h("year_identified", national=False), _h("year_exited", aliases=("脱贫时间",)),
        _h("planned_exit_year", national=False), _h("returned_year", national=False),
        _h("returned_cause", national=False), _h("identification_standard", national=False),
        _h("attribute", national=False), _h("main_cause", national=False), _h("other_causes", national=False),
        _h("is_military_martyr", national=False), _h("is_only_child", national=False),
        _h("is_two_daughters", national=False), _h("relocation", national=False),
        _h("address", national=False), _h("phone", label="户联系电话", national=False),
        _h("bank_name", national=False), _h("bank_account", national=False),
        _h("land_cultivated", national=False), _h("land_irrigated", national=False),
        _h("land_forest", national=False), _h("land_returned", national=False), _h("land_orchard", national=False),
        _h("land_pasture", national=False), _h("land_water", national=False),
        _h("is_coop_member", national=False), _h("has_production_power", national=False),
        _h("road_distance_km", national=False), _h("entry_road", national=False),
        _h("entry_road_hardened", national=False), _h("housing_area", national=False),
        _h("has_living_power", national=False), _h("water_difficult", national=False),
        _h("main_fuel", national=False), _h("has_sanitary_toilet", national=False),
        _h("toilet_usable", national=False),
        _h("food_secure", national=False), _h("clothing_secure", national=False),
        _h("education_secured", national=False), _h("medical_secured", national=False),
        _h("housing_secured", national=False), _h("water_secured", national=False),
        _h("notes", national=False),
    ]
    # Columns of the national export that the model has no field for: kept in Household.extra.
    for label in ("是否义务教育阶段适龄儿童少年失学辍学", *MEASURE_HEADERS, "信息采集人", "信息采集人联系电话"):
        cols.append(Column(label, HOUSEHOLD_EXTRA, label, "text", national=True))
    return tuple(cols)


@dataclass
class HeaderMatch:
    columns: dict[str, list[str]] = field(default_factory=dict)  # column key (target.key) -> file headers
    unknown: list[str] = field(default_factory=list)


def column_id(col: Column) -> str:
    return f"{col.target}.{col.key}"


def alias_index(columns: tuple[Column, ...]) -> dict[str, Column]:
    """Normalised header → column, for one layout's columns."""
    index: dict[str, Column] = {}
    for col in columns:
        for name in col.names:
            index.setdefault(normalise_label(name).replace("（", "(").replace("）", ")"), col)
    return index


@functools.cache
def _alias_index() -> dict[str, Column]:
    return alias_index(person_columns())


UNIT_SUFFIXES = ("(元)", "(亩)", "(平方米)", "(公里)", "(月)", "(万元)", "(%)", "(户)", "(人)")


def column_for_header(header: str, index: dict[str, Column] | None = None) -> Column | None:
    """The column a header names: exactly, or without a unit suffix such as “(亩)” (either side may carry it)."""
    index = _alias_index() if index is None else index
    h = normalise_label(header).split("#")[0]
    if h in index:
        return index[h]
    for suffix in UNIT_SUFFIXES:
        if h.endswith(suffix) and h[: -len(suffix)] in index:
            return index[h[: -len(suffix)]]
        if h + suffix in index:
            return index[h + suffix]
    return None


def match_headers(headers: list[str], index: dict[str, Column] | None = None) -> HeaderMatch:
    match = HeaderMatch()
    for header in headers:
        col = column_for_header(header, index)
        if col is None:
            match.unknown.append(header)
            continue
        ids = match.columns.setdefault(column_id(col), [])
        if ids and not col.multi_header:
            match.unknown.append(header)  # a second column with the same meaning: the first one wins
            continue
        ids.append(header)
    return match


def header_score(row: list[str]) -> int:
    return sum(1 for c in row if c and column_for_header(str(c)) is not None)


REQUIRED = ("household.number", "member.name", "member.relationship", "household.household_type")
