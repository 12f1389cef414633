"""A realistic synthetic county for demos, tests and benchmarks (all names made up).

Vectorised with numpy and loaded with :mod:`fupin.batch.bulkload`: 1,000,000 persons in well under a minute.
Distributions follow what county registries look like: mostly exited households, about a tenth monitored (all three
kinds, with risk types, two thirds eliminated), ordinary and a few not-yet-exited households; ages, education,
student status, health, disability and labour capacity consistent with each other; incomes by type.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import numpy as np
import polars as pl
from django.db import transaction

from fupin.areas.models import Area, VillageGroup
from fupin.assistance.models import Helper, HelperAssignment
from fupin.core.idnumber import CHECK_CHARS, WEIGHTS
from fupin.registry.models import Household, IncomeRecord, Member

from .bulkload import load_frames, model_frame, next_id

PROVINCE = ("450000000000", "广西壮族自治区")
CITY = ("450200000000", "柳州市")
COUNTY = ("450299000000", "清溪县")  # made up: not a real county code
TOWNSHIP_NAMES = ["城关镇", "青山镇", "石桥镇", "龙潭乡", "白沙镇", "松岭乡", "河口镇", "平安乡", "凤鸣镇", "双溪乡",
                  "金鸡乡", "云岭镇", "新田乡", "桃源镇", "长塘乡", "柳岸镇"]
VILLAGE_SYLLABLES = list("东西南北上下大小新古石龙凤马牛羊花果竹梅松柏桥塘岭坡湾屯江河溪田坪山")
VILLAGE_SUFFIX = ["村", "村", "村", "村", "社区"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰梅鹏辉建国志红春林海云飞凤宇浩俊雪晨阳光福德永安荣金银宝家兴文武成庆美丹萍燕琴婷波斌峰鑫")
UNITS = ["县教育局", "县卫生健康局", "县农业农村局", "县住房和城乡建设局", "县人力资源和社会保障局", "县民政局",
         "县财政局", "县水利局", "县自然资源局", "县交通运输局", "县供电公司", "县农商银行", "县委组织部", "县乡村振兴局"]
POSTS = ["科员", "副科长", "科长", "干部", "副主任", "主任科员"]
OTHER_ID_AREAS = np.array([450299, 450221, 450222, 450223, 450224, 450225, 450226, 452224], dtype=np.int64)


@dataclass
class SeedResult:
    townships: int
    villages: int
    households: int
    persons: int
    incomes: int
    helpers: int
    seconds: float

    def summary(self) -> str:
        return (f"已生成：{self.townships}个乡镇、{self.villages}个行政村、{self.households}户、{self.persons}人、"
                f"{self.incomes}条收入记录、{self.helpers}名帮扶责任人，用时{self.seconds:.1f}秒")


def _pick(rng, items, n, p=None):
    return np.asarray(items, dtype=object)[rng.choice(len(items), size=n, p=p)]


def _names(rng, surnames: np.ndarray) -> np.ndarray:
    n = len(surnames)
    g1 = _pick(rng, GIVEN, n)
    g2 = _pick(rng, GIVEN, n)
    two = rng.random(n) < 0.7
    given = np.where(two, g1 + g2, g1)
    return surnames + given


def _id_numbers(area: np.ndarray, birth: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Valid, unique GB 11643 numbers: sequence numbers are ranked within (area, birth date, sex)."""
    n = len(area)
    df = pl.DataFrame({"area": area, "birth": birth, "male": male, "i": np.arange(n)})
    df = df.with_columns(pl.int_range(pl.len()).over(["area", "birth", "male"]).alias("k"))
    k = df.sort("i")["k"].to_numpy()
    if k.max() >= 500:
        raise ValueError("too many persons born on one day in one area for unique ID numbers")
    seq = 2 * k + np.where(male, 1, 0)  # 17th digit odd for men
    days = birth.astype("datetime64[D]")
    years = days.astype("datetime64[Y]").astype(int) + 1970
    months = days.astype("datetime64[M]").astype(int) % 12 + 1
    mday = (days - days.astype("datetime64[M]")).astype(int) + 1
    ymd = years * 10000 + months * 100 + mday
    body = area.astype(np.int64) * 10**11 + ymd.astype(np.int64) * 1000 + seq.astype(np.int64)
    digits = np.stack([(body // 10 ** (16 - j)) % 10 for j in range(17)], axis=1)
    check = (digits * np.array(WEIGHTS)).sum(axis=1) % 11
    check_chars = np.array(list(CHECK_CHARS))[check]
    return np.char.add(np.char.zfill(body.astype(str), 17), check_chars).astype(object)


def _opt(values, keep, dtype=pl.Int64) -> pl.Series:
    """A nullable column: ``values`` where ``keep``, null elsewhere."""
    return pl.select(pl.when(pl.Series(keep)).then(pl.Series(values).cast(dtype)).otherwise(None)).to_series()


def _month_start(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[M]").astype("datetime64[D]")


def _areas(rng, townships: int, villages: int) -> tuple[list[str], list[str], dict]:
    """Create province/city/county, townships and villages through Django (a few hundred rows)."""
    with transaction.atomic():
        for code, name, level, parent in [(*PROVINCE, 1, None), (*CITY, 2, PROVINCE[0]), (*COUNTY, 3, CITY[0])]:
            Area.objects.update_or_create(code=code, defaults={"name": name, "level": level, "parent_id": parent,
                                                                "is_poverty_county": level == 3,
                                                                "poverty_exit_year": 2019 if level == 3 else None})
        t_codes, v_codes, village_names = [], [], {}
        per_town = np.full(townships, villages // townships)
        per_town[: villages % townships] += 1
        used = set()
        for t in range(townships):
            t_code = f"{COUNTY[0][:6]}{100 + t:03d}000"
            Area.objects.update_or_create(code=t_code, defaults={
                "name": TOWNSHIP_NAMES[t % len(TOWNSHIP_NAMES)] + ("" if t < len(TOWNSHIP_NAMES) else str(t)),
                "level": 4, "parent_id": COUNTY[0]})
            t_codes.append(t_code)
            for v in range(per_town[t]):
                v_code = f"{t_code[:9]}{201 + v:03d}"
                for attempt in range(50):
                    base, suffix = "".join(_pick(rng, VILLAGE_SYLLABLES, 2)), str(_pick(rng, VILLAGE_SUFFIX, 1)[0])
                    # 2,592 made-up names: past a few thousand villages, number them
                    name = f"{base}{len(used) if attempt == 49 else ''}{suffix}"
                    if name not in used:
                        used.add(name)
                        break
                Area.objects.update_or_create(code=v_code, defaults={
                    "name": name, "level": 5, "parent_id": t_code,
                    "is_poverty_village": bool(rng.random() < 0.35)})
                village_names[v_code] = name
                v_codes.append(v_code)
                groups = int(rng.integers(5, 12))
                existing = set(VillageGroup.objects.filter(village_id=v_code).values_list("name", flat=True))
                VillageGroup.objects.bulk_create([
                    VillageGroup(village_id=v_code, name=f"第{g + 1}村民小组", sort=g + 1)
                    for g in range(groups) if f"第{g + 1}村民小组" not in existing
                ])
    return t_codes, v_codes, village_names


def _measures(rng, assisted, risk_types, ident_month, dibao, tekun, relocation, *, vocational, disabled
              ) -> pl.Series:
    """Household.extra with the national export's measure columns (帮扶措施) as counties fill them: the medical-
    insurance contribution subsidy for households registered before that year's contribution, an industry
    measure for most, and a measure against each risk; a few percent left out, as in real registries."""
    nh = len(assisted)

    def some(mask, p=0.96):
        return assisted & mask & (rng.random(nh) < p)

    def has_risk(code):
        return np.char.find(risk_types.astype(str), f",{code},") >= 0

    month = ident_month.astype("datetime64[M]")
    late = (month >= np.datetime64("2023-04")) & (month < np.datetime64("2024-01"))  # after the 2023 contribution
    subsidy = some(~late, 0.97)
    relief = some(has_risk("01"))
    health = np.where(subsidy & relief, "城乡居民基本医疗保险参保资助；医疗救助",
                      np.where(subsidy, "城乡居民基本医疗保险参保资助", np.where(relief, "医疗救助", "")))
    security = np.char.strip(np.char.add(np.char.add(
        np.where(some(dibao, 1.0), "纳入低保；", ""), np.where(some(tekun, 1.0), "特困供养；", "")),
        np.where(some(disabled), "残疾人两项补贴", "")), "；")
    columns = {
        "产业帮扶": np.where(some(np.ones(nh, bool), 0.85), "发展种植养殖产业奖补", ""),
        "健康帮扶": health,
        "教育帮扶": np.where(some(vocational), "雨露计划", np.where(some(has_risk("03")), "教育资助", "")),
        "社会帮扶": np.where(some(has_risk("02")), "结对帮扶", ""),
        "住房安全保障": np.where(some(has_risk("09")), "危房改造", ""),
        "饮水安全保障": np.where(some(has_risk("10")), "饮水安全巩固提升", ""),
        "综合保障": security,
        "搬迁": np.where(relocation != "", "易地扶贫搬迁", ""),
    }
    # Empty cells as nulls, which the encoding below leaves out (only filled columns are kept, as the import does).
    frame = pl.DataFrame({k: pl.Series(v, dtype=pl.Utf8) for k, v in columns.items()}).select(
        pl.when(pl.col(k) != "").then(pl.col(k)).alias(k) for k in columns)
    encoded = frame.select(pl.struct(pl.all()).struct.json_encode().alias("extra"))["extra"]
    return encoded.str.replace_all(r'"[^"]*":null,?', "").str.replace(r",\}$", "}")


def generate(*, persons: int = 100_000, townships: int = 10, villages: int = 120, seed: int = 20261122,
             check_date: dt.date | None = None, progress=print) -> SeedResult:
    """Generate the county and load it. Refuses to run over an existing registry (use ``fupin flush`` first)."""
    started = time.perf_counter()
    if Household.objects.exists():
        raise RuntimeError("数据库中已有农户数据；演示数据只能生成到空库中（可先执行 fupin flush --no-input）")
    rng = np.random.default_rng(seed)
    today = check_date or dt.date(2026, 11, 1)
    t_codes, v_codes, village_names = _areas(rng, townships, villages)
    groups = pl.DataFrame(list(VillageGroup.objects.filter(village_id__in=v_codes).values_list("village_id", "id")),
                          schema=["village", "group_id"], orient="row")
    progress(f"区划：{len(t_codes)}个乡镇，{len(v_codes)}个行政村")

    # --- household sizes until the person count is reached ------------------------------------------------------
    est = int(persons / 3.3) + 100
    sizes = np.clip(rng.poisson(2.4, est) + 1, 1, 9)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), persons)) + 1]
    sizes[-1] -= sizes.sum() - persons
    if sizes[-1] <= 0:
        sizes = sizes[:-1]
    nh = len(sizes)
    hh_id0 = next_id(Household)
    hh_ids = np.arange(hh_id0, hh_id0 + nh)

    # villages of different sizes
    weights = rng.gamma(4.0, 1.0, len(v_codes))
    village_idx = np.sort(rng.choice(len(v_codes), size=nh, p=weights / weights.sum()))
    village = np.array(v_codes, dtype=object)[village_idx]
    seq_in_village = np.arange(nh) - np.searchsorted(village_idx, village_idx, side="left") + 1
    number = np.char.add(village.astype(str), np.char.zfill(seq_in_village.astype(str), 4)).astype(object)
    group_pick = (pl.DataFrame({"village": village, "r": rng.random(nh)})
                  .join(groups.group_by("village").agg(pl.col("group_id")), on="village", how="left")
                  .select(pl.col("group_id").list.get((pl.col("r") * pl.col("group_id").list.len()).cast(pl.Int64)))
                  ["group_id"].to_numpy())

    # --- household type and monitoring -------------------------------------------------------------------------
    r = rng.random(nh)
    htype = np.select([r < 0.01, r < 0.79, r < 0.91], ["1", "2", "3"], "4").astype(object)
    monitored_exited = (htype == "2") & (rng.random(nh) < 0.07)
    kind = np.full(nh, "", dtype=object)
    kind[monitored_exited] = "1"
    m3 = htype == "3"
    kind[m3] = np.where(rng.random(m3.sum()) < 0.72, "2", "3")
    monitored = kind != ""
    base = np.datetime64("2021-06-01")
    ident_days = base + rng.integers(0, (np.datetime64(today) - base).astype(int) - 40, nh).astype("timedelta64[D]")
    ident_month = np.where(monitored, _month_start(ident_days), np.datetime64("NaT"))
    months_since = ((np.datetime64(today, "M") - ident_month.astype("datetime64[M]")).astype("float"))
    eliminated = monitored & (months_since >= 7) & (rng.random(nh) < 0.68)
    elim_way = np.where(eliminated, np.where(rng.random(nh) < 0.82, "1", "2"), "").astype(object)
    elim_after = rng.integers(6, 30, nh)
    elim_month = ident_month.astype("datetime64[M]") + np.minimum(elim_after, np.maximum(months_since - 1, 6)
                                                                 .astype(int)).astype("timedelta64[M]")
    elim_month = np.where(eliminated, elim_month.astype("datetime64[D]"), np.datetime64("NaT"))
    risk_codes = np.array(["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "99"], dtype=object)
    risk_p = np.array([0.34, 0.14, 0.12, 0.06, 0.06, 0.04, 0.10, 0.08, 0.02, 0.02, 0.02])
    n_risks = np.where(monitored, rng.choice([1, 2, 3], nh, p=[0.6, 0.3, 0.1]), 0)
    risk_list = [",".join(sorted(set(rng.choice(risk_codes, k, p=risk_p)))) if k else "" for k in n_risks]
    risk_types = np.array([f",{x}," if x else "" for x in risk_list], dtype=object)

    registered = np.isin(htype, ["1", "2"])
    year_identified = np.where(registered, rng.integers(2014, 2020, nh), 0)
    year_exited = np.where(htype == "2", np.minimum(year_identified + rng.integers(1, 5, nh), 2020), 0)
    cause_codes = np.array(["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "99"], dtype=object)
    main_cause = np.where(registered, rng.choice(cause_codes, nh,
                          p=[.28, .12, .12, .03, .06, .02, .12, .1, .08, .02, .04, .01]), "").astype(object)

    # --- members ---------------------------------------------------------------------------------------------
    n = int(sizes.sum())
    member_hh = np.repeat(np.arange(nh), sizes)
    slot = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    head_age = np.clip(rng.normal(56, 13, nh), 22, 92).astype(int)
    head_male = rng.random(nh) < 0.82
    single_old = (sizes == 1)
    head_age[single_old] = np.clip(head_age[single_old] + 10, 22, 95)
    ha = head_age[member_hh]
    hm = head_male[member_hh]
    rel_draw = rng.random(n)
    rel = np.select(
        [slot == 0, (slot == 1) & (rel_draw < 0.82), rel_draw < 0.70, rel_draw < 0.90, rel_draw < 0.97],
        ["01", "02", "child", "grandchild", "parent"], "other").astype(object)
    age = np.select(
        [rel == "01", rel == "02", rel == "child", rel == "grandchild", rel == "parent"],
        [ha, ha + rng.integers(-5, 4, n), ha - rng.integers(21, 36, n), ha - rng.integers(44, 62, n),
         ha + rng.integers(21, 32, n)],
        rng.integers(10, 70, n))
    bad_parent = (rel == "parent") & (age > 98)
    rel[bad_parent] = "child"
    age[bad_parent] = ha[bad_parent] - rng.integers(21, 36, bad_parent.sum())
    neg_grand = (rel == "grandchild") & (age < 0)
    rel[neg_grand] = "child"
    age[neg_grand] = ha[neg_grand] - rng.integers(21, 30, neg_grand.sum())
    age = np.clip(age, 0, 100)
    male = np.select([rel == "01", rel == "02"], [hm, ~hm], rng.random(n) < 0.52)
    relationship = np.select(
        [rel == "01", rel == "02", (rel == "child") & male, rel == "child", (rel == "grandchild") & male,
         rel == "grandchild", (rel == "parent") & male, rel == "parent"],
        ["01", "02", "03", "04", "07", "08", "11", "12"], "99").astype(object)
    birth_offset = rng.integers(0, 365, n)
    birth = (np.datetime64(today) - (age * 365.25).astype(int).astype("timedelta64[D]")
             - birth_offset.astype("timedelta64[D]"))
    age = ((np.datetime64(today) - birth).astype(int) / 365.2425).astype(int)
    id_area = np.where(rng.random(n) < 0.9, 450299, rng.choice(OTHER_ID_AREAS, n))
    id_number = _id_numbers(id_area, birth, male)
    surname_hh = _pick(rng, SURNAMES, nh)
    spouse_surname = _pick(rng, SURNAMES, n)
    names = _names(rng, np.where(np.isin(rel, ["02", "other"]), spouse_surname, surname_hh[member_hh]).astype(object))

    # education and student status by age
    student = np.full(n, "", dtype=object)
    student[age < 3] = "01"
    student[(age >= 3) & (age < 6)] = "02"
    prim = (age >= 6) & (age <= 11)
    student[prim] = (10 + age[prim] - 5).astype(str)
    jun = (age >= 12) & (age <= 14)
    student[jun] = (17 + age[jun] - 12).astype(str)
    sr = rng.random(n)
    sen = (age >= 15) & (age <= 17)
    student[sen & (sr < 0.55)] = (21 + age[sen & (sr < 0.55)] - 15).astype(str)
    student[sen & (sr >= 0.55) & (sr < 0.85)] = (31 + age[sen & (sr >= 0.55) & (sr < 0.85)] - 15).astype(str)
    hi = (age >= 18) & (age <= 20)
    student[hi & (sr < 0.22)] = (41 + age[hi & (sr < 0.22)] - 18).astype(str)
    student[hi & (sr >= 0.22) & (sr < 0.38)] = "51"
    student[(age >= 21) & (age <= 22) & (sr < 0.12)] = "51"
    out_of_school = (age >= 6) & (age <= 15) & (rng.random(n) < 0.004)
    student[out_of_school] = ""
    not_in_school_reason = np.where(out_of_school, rng.choice(["1", "2", "3"], n), "").astype(object)
    edu_r = rng.random(n)
    education = np.select(
        [age < 7, age < 12, age < 15, age < 18,
         (age < 40) & (edu_r < 0.05), (age < 40) & (edu_r < 0.45), (age < 40) & (edu_r < 0.80), (age < 40) & (edu_r < 0.9), age < 40,
         (age < 60) & (edu_r < 0.12), (age < 60) & (edu_r < 0.55), (age < 60) & (edu_r < 0.92), age < 60,
         edu_r < 0.45, edu_r < 0.85],
        ["", "02", "02", "03",
         "02", "03", "04", "05", "06",
         "01", "02", "03", "04",
         "01", "02"], "03").astype(object)
    education[(age >= 18) & (student == "51")] = "04"

    # health, disability, labour capacity
    hr = rng.random(n)
    chronic_p = np.clip(0.03 + age / 500, 0, 0.35)
    health = np.select([hr < 0.05, hr < 0.05 + 0.025, hr < 0.075 + chronic_p], ["4", "3", "2"], "1").astype(object)
    disabled = health == "4"
    dis_cat = np.where(disabled, rng.choice(["1", "2", "3", "4", "5", "6", "7"], n,
                                            p=[.12, .14, .04, .42, .12, .12, .04]), "").astype(object)
    dis_grade = np.where(disabled, rng.choice(["1", "2", "3", "4"], n, p=[.15, .25, .3, .3]), "").astype(object)
    dis_cert = np.where(disabled & (rng.random(n) < 0.93), np.char.add("4502992", np.char.zfill(
        rng.integers(0, 10**8, n).astype(str), 11)), "").astype(object)
    lr = rng.random(n)
    labour = np.select(
        [age < 16, student != "",
         (age < 60) & (lr < 0.2), (age < 60) & (lr < 0.95), age < 60,
         (age < 70) & (lr < 0.45), (age < 70) & (lr < 0.85), age < 70,
         lr < 0.2, lr < 0.5], ["5", "5", "1", "2", "3", "2", "3", "4", "3", "4"], "5").astype(object)
    severe = disabled & np.isin(dis_grade, ["1", "2"]) & (age >= 16) & (student == "")
    labour[severe] = "4"
    labour[(health == "3") & (age >= 16) & (student == "")] = np.where(
        rng.random(((health == "3") & (age >= 16) & (student == "")).sum()) < 0.5, "3", "4")
    able = np.isin(labour, ["1", "2"])
    wr = rng.random(n)
    work_status = np.where(able & (age <= 60), np.select([wr < 0.18, wr < 0.33, wr < 0.55, wr < 0.75],
                                                         ["1", "2", "3", "4"], "0"), "").astype(object)
    work_status[(work_status == "") & (age >= 16) & (student == "")] = "0"
    away = np.isin(work_status, ["1", "2", "3", "4"])
    work_months = np.where(away, rng.integers(4, 13, n), -1)
    work_place = np.where(work_status == "4", rng.choice(["广东省广州市", "广东省深圳市", "广东省东莞市", "浙江省宁波市",
                                                          "福建省厦门市"], n),
                          np.where(work_status == "3", rng.choice(["柳州市", "南宁市", "桂林市"], n),
                                   np.where(np.isin(work_status, ["1", "2"]), "本县", ""))).astype(object)
    welfare = able & (age >= 30) & (age <= 65) & ~away & (rng.random(n) < 0.06)
    welfare_months = np.where(welfare, rng.integers(6, 13, n), -1)

    hh_dibao = rng.random(nh) < np.where(np.isin(htype, ["1", "3"]), 0.35, 0.09)
    hh_tekun = single_old & (head_age >= 60) & (rng.random(nh) < 0.5)
    dibao = np.where(hh_dibao[member_hh], "1", "0").astype(object)
    tekun = np.where(hh_tekun[member_hh], "1", "0").astype(object)
    dibao[tekun == "1"] = "0"
    med_employee = rng.random(n) < 0.015
    med_resident = ~med_employee & (rng.random(n) < 0.985)
    med_critical = med_resident & (rng.random(n) < 0.995)
    adult = (age >= 16) & (student == "")
    pension_employee = adult & (rng.random(n) < 0.02)
    pension_resident = adult & ~pension_employee & (rng.random(n) < 0.9)
    phone = np.where((slot == 0) & (rng.random(n) < 0.92) | (adult & (rng.random(n) < 0.35)),
                     np.char.add(rng.choice(["13", "15", "17", "18", "19"], n).astype(str),
                                 np.char.zfill(rng.integers(0, 10**9, n).astype(str), 9)), "").astype(object)
    ethnic_hh = rng.choice(["01", "08", "13", "06", "12"], nh, p=[.52, .36, .06, .04, .02])
    ethnicity = np.where(rng.random(n) < 0.85, ethnic_hh[member_hh], rng.choice(["01", "08"], n)).astype(object)
    political = np.select([(age >= 18) & (rng.random(n) < 0.05), (age >= 14) & (age <= 28) & (rng.random(n) < 0.3)],
                          ["01", "03"], "13").astype(object)
    political[age < 14] = ""

    # --- household attributes, conditions, incomes ------------------------------------------------------------
    hh_no_labour = pl.DataFrame({"h": member_hh, "able": np.isin(labour, ["1", "2", "3"])}).group_by("h").agg(
        pl.col("able").any()).sort("h")["able"].to_numpy()
    no_labour_support = ~hh_no_labour & (htype != "4")
    pc_median = np.select([htype == "1", (kind != "") & ~eliminated, (kind != "") & eliminated, htype == "4"],
                          [3600, 7600, 11500, 17000], 14000)
    per_capita = np.maximum(np.exp(rng.normal(np.log(pc_median), 0.32, nh)), 1200)
    net = per_capita * sizes
    wage_share = np.where(hh_no_labour, rng.uniform(0.45, 0.8, nh), 0.02)
    transfer_share = np.where(hh_no_labour, rng.uniform(0.08, 0.3, nh), 0.85)
    prop_share = rng.uniform(0, 0.04, nh)
    scale = np.maximum(wage_share + transfer_share + prop_share, 1.0)  # shares never add up to more than all
    wage_share, transfer_share, prop_share = wage_share / scale, transfer_share / scale, prop_share / scale
    oper_share = np.clip(1 - wage_share - transfer_share - prop_share, 0, 1)
    expenses = net * oper_share * rng.uniform(0.15, 0.4, nh)
    gross = net + expenses
    wage = np.round(gross * wage_share, 0)
    prop = np.round(gross * prop_share, 0)
    transfer = np.round(gross * transfer_share, 0)
    oper = np.maximum(np.round(gross - wage - prop - transfer, 0), 0)  # gross 生产经营性收入 is never negative
    expenses = np.round(expenses, 0)
    med_oop = np.round(np.where(rng.random(nh) < 0.3, rng.gamma(1.5, 2500, nh), 0), 0)

    income_year = today.year - 1
    inc_rows = []
    for year, factor in ((income_year, 1.0), (income_year - 1, rng.uniform(0.84, 1.02, nh))):
        w, o, p_, t, e = (np.round(x * factor, 0) for x in (wage, oper, prop, transfer, expenses))
        net_y = w + o + p_ + t - e
        inc_rows.append(dict(year=np.full(nh, year), wage=w, operating=o, property=p_, transfer=t,
                             production_expenses=e, medical_out_of_pocket=np.round(med_oop * factor, 0),
                             net_income=net_y, per_capita_income=np.round(net_y / sizes, 2)))

    lat0, lng0 = 24.6, 109.3
    v_lat = lat0 + rng.uniform(-0.5, 0.5, len(v_codes))
    v_lng = lng0 + rng.uniform(-0.5, 0.5, len(v_codes))
    danger = np.where(rng.random(nh) < 0.006, rng.choice(["C", "D"], nh), "0").astype(object)
    water_safe = rng.random(nh) > 0.004
    relocation = np.where(registered & (rng.random(nh) < 0.06), rng.choice(["1", "2"], nh, p=[.8, .2]), "")

    def frac(p):
        return rng.random(nh) < p

    head_idx = np.cumsum(sizes) - sizes
    hh = {
        "id": pl.Series(hh_ids, dtype=pl.Int64),
        "number": pl.Series(number, dtype=pl.Utf8),
        "village_id": pl.Series(village, dtype=pl.Utf8),
        "group_id": pl.Series(group_pick, dtype=pl.Int64),
        "address": pl.Series(np.char.add(np.array([village_names[v] for v in village], dtype=str),
                                         np.char.add(np.char.add("", (seq_in_village).astype(str)), "号")),
                             dtype=pl.Utf8),
        "phone": pl.Series(phone[head_idx], dtype=pl.Utf8),
        "bank_name": pl.Series(np.where(registered | monitored, "广西农村信用社", ""), dtype=pl.Utf8),
        "bank_account": pl.Series(np.where(registered | monitored, np.char.add("6230", np.char.zfill(
            rng.integers(0, 10**15, nh).astype(str), 15)), ""), dtype=pl.Utf8),
        "gps_lng": pl.Series(np.round(v_lng[village_idx] + rng.normal(0, 0.01, nh), 6)),
        "gps_lat": pl.Series(np.round(v_lat[village_idx] + rng.normal(0, 0.01, nh), 6)),
        "identification_standard": pl.Series(np.where(registered, "1", ""), dtype=pl.Utf8),
        "attribute": pl.Series(np.where(registered, np.where(hh_tekun, "3", np.where(hh_dibao, "2", "1")), ""),
                               dtype=pl.Utf8),
        "household_type": pl.Series(htype, dtype=pl.Utf8),
        "year_identified": _opt(year_identified, year_identified > 0),
        "year_exited": _opt(year_exited, year_exited > 0),
        "planned_exit_year": _opt(np.full(nh, today.year), htype == "1"),
        "main_cause": pl.Series(main_cause, dtype=pl.Utf8),
        "relocation": pl.Series(relocation, dtype=pl.Utf8),
        "no_labour_support": pl.Series(no_labour_support & (kind != "") | no_labour_support & (htype == "1")),
        "is_military_martyr": pl.Series(frac(0.004)),
        "is_only_child": pl.Series(frac(0.02)),
        "is_two_daughters": pl.Series(frac(0.015)),
        "monitor_kind": pl.Series(kind, dtype=pl.Utf8),
        "risk_types": pl.Series(risk_types, dtype=pl.Utf8),
        "monitor_identified_month": pl.Series(ident_month.astype("datetime64[D]")).cast(pl.Date),
        "risk_eliminated": pl.Series(eliminated),
        "elimination_way": pl.Series(elim_way, dtype=pl.Utf8),
        "eliminated_month": pl.Series(elim_month.astype("datetime64[D]")).cast(pl.Date),
        "land_cultivated": pl.Series(np.round(rng.gamma(2.0, 1.4, nh), 2)),
        "land_forest": pl.Series(np.round(rng.gamma(1.2, 6, nh), 2)),
        "land_returned": pl.Series(np.round(np.where(frac(0.2), rng.gamma(1.5, 1.5, nh), 0), 2)),
        "land_orchard": pl.Series(np.round(np.where(frac(0.3), rng.gamma(1.5, 1.2, nh), 0), 2)),
        "land_pasture": pl.Series(np.zeros(nh)),
        "land_water": pl.Series(np.round(np.where(frac(0.05), rng.gamma(1.2, 0.8, nh), 0), 2)),
        "is_coop_member": pl.Series(frac(0.35)),
        "has_production_power": pl.Series(frac(0.97)),
        "road_distance_km": pl.Series(np.round(rng.gamma(1.2, 0.4, nh), 2)),
        "entry_road": pl.Series(rng.choice(["1", "2", "3"], nh, p=[.03, .07, .9]), dtype=pl.Utf8),
        "entry_road_hardened": pl.Series(frac(0.93)),
        "housing_area": pl.Series(np.round(np.clip(rng.normal(32, 10, nh), 12, 90) * sizes, 1)),
        "dangerous_house": pl.Series(danger, dtype=pl.Utf8),
        "has_living_power": pl.Series(np.ones(nh, dtype=bool)),
        "water_difficult": pl.Series(~water_safe),
        "water_safe": pl.Series(water_safe),
        "main_fuel": pl.Series(rng.choice(["1", "3", "4"], nh, p=[.35, .05, .6]), dtype=pl.Utf8),
        "has_sanitary_toilet": pl.Series(frac(0.9)),
        "toilet_usable": pl.Series(frac(0.88)),
        "food_secure": pl.Series(np.ones(nh, dtype=bool)),
        "clothing_secure": pl.Series(np.ones(nh, dtype=bool)),
        "education_secured": pl.Series(np.ones(nh, dtype=bool)),
        "medical_secured": pl.Series(frac(0.995)),
        "housing_secured": pl.Series(danger == "0"),
        "water_secured": pl.Series(water_safe),
        "head_name": pl.Series(names[head_idx], dtype=pl.Utf8),
        "head_id_number": pl.Series(id_number[head_idx], dtype=pl.Utf8),
        "size": pl.Series(sizes, dtype=pl.Int64),
        "income_year": pl.Series(np.full(nh, income_year), dtype=pl.Int64),
        "per_capita_income": pl.Series(inc_rows[0]["per_capita_income"]),
    }
    hh["other_causes"] = pl.Series(np.where(registered & frac(0.4), ",07,", ""), dtype=pl.Utf8)
    def any_member(mask) -> np.ndarray:
        return np.bincount(member_hh, weights=mask, minlength=nh) > 0

    hh["extra"] = _measures(rng, registered | monitored, risk_types, ident_month, hh_dibao, hh_tekun, relocation,
                            vocational=any_member(np.isin(student, ["31", "32", "33", "41", "42", "43"])),
                            disabled=any_member(health == "4"))

    m_id0 = next_id(Member)
    members = {
        "id": pl.Series(np.arange(m_id0, m_id0 + n), dtype=pl.Int64),
        "household_id": pl.Series(hh_ids[member_hh], dtype=pl.Int64),
        "name": pl.Series(names, dtype=pl.Utf8),
        "id_type": pl.Series(np.full(n, "1"), dtype=pl.Utf8),
        "id_number": pl.Series(id_number, dtype=pl.Utf8),
        "sex": pl.Series(np.where(male, "1", "2"), dtype=pl.Utf8),
        "birth_date": pl.Series(birth.astype("datetime64[D]")).cast(pl.Date),
        "relationship": pl.Series(relationship, dtype=pl.Utf8),
        "ethnicity": pl.Series(ethnicity, dtype=pl.Utf8),
        "political_status": pl.Series(political, dtype=pl.Utf8),
        "education": pl.Series(education, dtype=pl.Utf8),
        "student_status": pl.Series(student, dtype=pl.Utf8),
        "not_in_school_reason": pl.Series(not_in_school_reason, dtype=pl.Utf8),
        "health": pl.Series(health, dtype=pl.Utf8),
        "disability_category": pl.Series(dis_cat, dtype=pl.Utf8),
        "disability_grade": pl.Series(dis_grade, dtype=pl.Utf8),
        "disability_certificate": pl.Series(dis_cert, dtype=pl.Utf8),
        "labour_capacity": pl.Series(labour, dtype=pl.Utf8),
        "work_status": pl.Series(work_status, dtype=pl.Utf8),
        "work_months": _opt(work_months, work_months >= 0),
        "work_place": pl.Series(work_place, dtype=pl.Utf8),
        "welfare_post": pl.Series(welfare),
        "welfare_post_months": _opt(welfare_months, welfare_months >= 0),
        "med_resident": pl.Series(med_resident),
        "med_employee": pl.Series(med_employee),
        "med_critical": pl.Series(med_critical),
        "pension_resident": _opt(pension_resident, adult, pl.Boolean),
        "pension_employee": _opt(pension_employee, adult, pl.Boolean),
        "dibao": pl.Series(dibao, dtype=pl.Utf8),
        "tekun": pl.Series(tekun, dtype=pl.Utf8),
        "medical_assistance": pl.Series((health == "3") & (rng.random(n) < 0.6)),
        "phone": pl.Series(phone, dtype=pl.Utf8),
    }

    i_id0 = next_id(IncomeRecord)
    income_cols = {k: pl.concat([pl.Series(r[k]) for r in inc_rows]) for k in inc_rows[0]}
    incomes = {
        "id": pl.Series(np.arange(i_id0, i_id0 + 2 * nh), dtype=pl.Int64),
        "household_id": pl.Series(np.concatenate([hh_ids, hh_ids]), dtype=pl.Int64),
        "household_size": pl.Series(np.concatenate([sizes, sizes]), dtype=pl.Int64),
        **{k: (v.cast(pl.Int64) if k == "year" else v.cast(pl.Float64)) for k, v in income_cols.items()},
    }

    # helpers: about one per 6 households that need one (poor, monitored, exited), from county units
    needs_helper = np.isin(htype, ["1", "2", "3"])
    helper_area = village[needs_helper]
    n_helpers = max(len(v_codes) * 3, int(needs_helper.sum() / 6))
    h_id0 = next_id(Helper)
    helper_village_idx = rng.choice(len(v_codes), n_helpers)
    helper_surnames = _pick(rng, SURNAMES, n_helpers)
    helper_phone = np.char.add("139", np.char.zfill(rng.integers(0, 10**8, n_helpers).astype(str), 8))
    helpers = {
        "id": pl.Series(np.arange(h_id0, h_id0 + n_helpers), dtype=pl.Int64),
        "name": pl.Series(_names(rng, helper_surnames), dtype=pl.Utf8),
        "unit": pl.Series(_pick(rng, UNITS, n_helpers), dtype=pl.Utf8),
        "post": pl.Series(_pick(rng, POSTS, n_helpers), dtype=pl.Utf8),
        "phone": pl.Series(helper_phone.astype(object), dtype=pl.Utf8),
        "area_id": pl.Series(np.array(v_codes, dtype=object)[helper_village_idx], dtype=pl.Utf8),
    }
    # assign each needing household to a helper of its own village (or any, where the village has none)
    by_village: dict[str, np.ndarray] = {}
    for i, v in enumerate(np.array(v_codes, dtype=object)[helper_village_idx]):
        by_village.setdefault(v, []).append(h_id0 + i)
    by_village = {k: np.array(v) for k, v in by_village.items()}
    all_helpers = np.arange(h_id0, h_id0 + n_helpers)
    assigned = np.array([
        (lambda pool: pool[rng.integers(0, len(pool))])(by_village.get(v, all_helpers)) for v in helper_area
    ], dtype=np.int64)
    starts = np.where(htype[needs_helper] == "3", ident_month[needs_helper],
                      np.datetime64("2018-03-01")).astype("datetime64[D]")
    a_id0 = next_id(HelperAssignment)
    assignments = {
        "id": pl.Series(np.arange(a_id0, a_id0 + len(assigned)), dtype=pl.Int64),
        "helper_id": pl.Series(assigned, dtype=pl.Int64),
        "household_id": pl.Series(hh_ids[needs_helper], dtype=pl.Int64),
        "start_date": pl.Series(starts).cast(pl.Date),
    }
    progress(f"生成完毕：{nh}户、{n}人，用时{time.perf_counter() - started:.1f}秒；写入数据库……")

    frames = [
        (Household, model_frame(Household, hh, nh)),
        (Member, model_frame(Member, members, n)),
        (IncomeRecord, model_frame(IncomeRecord, incomes, 2 * nh)),
        (Helper, model_frame(Helper, helpers, n_helpers)),
        (HelperAssignment, model_frame(HelperAssignment, assignments, len(assigned))),
    ]
    load_frames(frames, rebuild_indexes=True)
    return SeedResult(townships=len(t_codes), villages=len(v_codes), households=nh, persons=n, incomes=2 * nh,
                      helpers=n_helpers, seconds=time.perf_counter() - started)
