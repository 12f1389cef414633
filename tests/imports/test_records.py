"""The national system's household (乡村建设), work-record and village files: matched onto the registry, only what
differs written and logged, rows that find nothing named (both databases)."""

import datetime as dt
from decimal import Decimal

import pytest

from fupin.areas.models import VillageProfile
from fupin.core.errors import ApplicationError
from fupin.core.models import ObjectChange
from fupin.imports.services import run_import
from fupin.registry.models import Household, WorkRecord

from .conftest import ID_HEAD1, ID_HEAD2, ID_WIFE1, write_csv, write_xlsx

pytestmark = pytest.mark.django_db(transaction=True)

LIVING = ["县(市、区、旗)", "乡(镇)", "行政村", "户编号", "证件号码", "耕地面积（亩）", "有效灌溉面积（亩）", "林地面积",
          "与村主干路距离（公里）", "入户道路是否硬化", "是否通生活用电", "是否有卫生厕所", "卫生厕所是否能正常使用",
          "住房面积（平方米）"]
WORK = ["县", "乡", "行政村", "户编号", "证件号码", "务工所在地", "务工所在县", "就业渠道", "务工开始时间", "务工结束时间",
        "年度交通费补助", "务工需求"]
VILLAGES = ["县", "乡", "村", "是否出列", "总户数", "总人口数", "村集体经济收入（万元）", "通宽带"]


def errors(out):
    return [(p["_row"], p["column"], p["message"]) for p in out.problems.to_dicts() if p["severity"] == "error"]


@pytest.fixture
def registry(users, files):
    out = run_import(files.csv(), actor=users["county"])
    assert out.loaded
    return users


def living_rows():
    return [["清溪县", "甲镇", "村A", "H001", ID_HEAD1, "3.5", "2", "", "1.2", "是", "是", "是", "否", "96"],
            ["清溪县", "甲镇", "村B", "H002", ID_HEAD2, "1,200", "", "10", "0.5", "否", "是", "否", "", "120.5"]]


def test_household_file_updates_the_households_and_logs_each_change(registry, tmp_path):
    path = write_xlsx(tmp_path / "（乡村建设）户信息.xlsx", living_rows(), headers=LIVING, titles=["（乡村建设）户信息"])
    out = run_import(path, actor=registry["county"])
    assert out.loaded and out.layout == "living" and out.header_row == 2
    assert out.ignored_headers == ["证件号码"]  # the head's ID is not read: the household is found by 户编号
    assert out.counts == {"records_new": 0, "records_changed": 2, "records_unchanged": 0}
    h1, h2 = Household.objects.get(number="H001"), Household.objects.get(number="H002")
    assert (h1.land_cultivated, h1.land_irrigated, h1.road_distance_km) == (Decimal("3.5"), Decimal("2"), Decimal("1.2"))
    assert (h1.entry_road_hardened, h1.has_sanitary_toilet, h1.toilet_usable, h1.housing_area) == (
        True, True, False, Decimal("96"))
    assert (h2.land_cultivated, h2.land_forest, h2.housing_area) == (Decimal("1200"), Decimal("10"), Decimal("120.5"))
    assert h1.version == 2
    log = ObjectChange.objects.filter(action="update", summary="导入", object_id=str(h1.pk)).get()
    assert log.household_id == h1.pk and log.area_code == h1.village_id
    assert log.postchange_data["land_cultivated"] == "3.50" and "land_forest" not in log.postchange_data
    # The same file again: nothing changes, nothing is logged.
    logged = ObjectChange.objects.count()
    again = run_import(path, actor=registry["county"])
    assert again.counts == {"records_new": 0, "records_changed": 0, "records_unchanged": 2}
    assert ObjectChange.objects.count() == logged and Household.objects.get(number="H001").version == 2


def test_household_file_rows_that_find_no_household_are_errors_and_nothing_is_written(registry, tmp_path):
    rows = living_rows() + [["清溪县", "甲镇", "村A", "H999", "", "1", "", "", "", "", "", "", "", ""],
                            ["清溪县", "甲镇", "村A", "H002", "", "1", "2", "", "", "", "", "", "", ""]]
    out = run_import(write_csv(tmp_path / "hh.csv", rows, headers=LIVING), actor=registry["county"], layout="living")
    assert not out.loaded
    found = errors(out)
    assert (4, "户编号", "户编号H999在系统中不存在：请先导入该户的监测对象/基础信息") in found
    assert any(r == 5 and "有效灌溉面积不能大于耕地面积" in m for r, _, m in found)
    assert any(r == 5 and "户编号在文件中重复（第3行也有）" in m for r, _, m in found)
    assert Household.objects.get(number="H001").land_cultivated is None
    # With --skip-bad-rows the good rows load.
    out = run_import(write_csv(tmp_path / "hh.csv", rows[:3], headers=LIVING), actor=registry["county"],
                     skip_bad_rows=True)
    assert out.loaded and out.counts["records_changed"] == 2 and out.error_rows == 1


def work_rows():
    return [["清溪县", "甲镇", "村A", "H001", ID_HEAD1, "广东省深圳市", "宝安区", "自主就业", "202403", "2024年12月", "500", ""],
            ["清溪县", "甲镇", "村A", "H001", ID_WIFE1, "本县", "", "政府组织", "2024-05", "", "", "技能培训"]]


def test_work_files_create_then_update_work_records_of_their_kind(registry, tmp_path):
    path = write_csv(tmp_path / "（务工月监测）已外出务工信息.csv", work_rows(), headers=WORK)
    out = run_import(path, actor=registry["county"])
    assert out.loaded and out.layout == "work-actual"
    assert out.counts == {"records_new": 2, "records_changed": 0, "records_unchanged": 0}
    head = WorkRecord.objects.get(member__id_number=ID_HEAD1)
    assert (head.kind, head.place, head.county, head.channel) == ("actual", "广东省深圳市", "宝安区", "3")
    assert (head.start_month, head.end_month, head.transport_subsidy) == (
        dt.date(2024, 3, 1), dt.date(2024, 12, 1), Decimal("500"))
    created = ObjectChange.objects.filter(action="create", object_id=str(head.pk), content_type__model="workrecord")
    assert created.get().household_id == head.member.household_id
    # Again with one change: that record is updated (matched by member and start month), the other untouched.
    rows = work_rows()
    rows[0][10] = "800"
    out = run_import(write_csv(tmp_path / "已外出务工信息.csv", rows, headers=WORK), actor=registry["county"])
    assert out.counts == {"records_new": 0, "records_changed": 1, "records_unchanged": 1}
    head.refresh_from_db()
    assert head.transport_subsidy == Decimal("800") and head.version == 2
    change = ObjectChange.objects.get(action="update", object_id=str(head.pk), content_type__model="workrecord")
    assert change.prechange_data == {"transport_subsidy": "500.00"}
    assert change.postchange_data == {"transport_subsidy": "800.00"}
    # The planned-work file (named so) adds records of the other kind.
    out = run_import(write_csv(tmp_path / "计划外出务工信息.csv", rows[:1], headers=WORK), actor=registry["county"])
    assert out.layout == "work-planned" and out.counts["records_new"] == 1
    assert WorkRecord.objects.filter(kind="planned").count() == 1 and WorkRecord.objects.count() == 3


def test_work_file_member_must_be_in_the_named_household(registry, tmp_path):
    rows = work_rows() + [["清溪县", "甲镇", "村A", "H001", ID_HEAD2, "外省", "", "", "202401", "", "", ""],
                          ["清溪县", "甲镇", "村A", "H001", "110101199003071234", "外省", "", "", "202401", "", "", ""]]
    out = run_import(write_csv(tmp_path / "w.csv", rows, headers=WORK), actor=registry["county"], layout="work-actual")
    assert not out.loaded and WorkRecord.objects.count() == 0
    found = errors(out)
    assert (4, "户编号", "该成员在系统中属于户H002，与文件中的户编号不一致") in found
    assert any(r == 5 and c == "证件号码" for r, c, _ in found)


def test_village_file_reads_the_totals_the_quality_rules_compare(registry, tmp_path):
    headers = ["县", "乡", "村", "总户数", "享受低保人数", "特困供养人数", "残疾人数", "危房户数"]
    rows = [["清溪县", "甲镇", "村A", "320", "41", "3", "12", "0"]]
    out = run_import(write_csv(tmp_path / "（自定义）行政村信息.csv", rows, headers=headers), actor=registry["county"])
    assert out.loaded, out.problems
    a = VillageProfile.objects.get(village__name="村A")
    assert (a.dibao_persons, a.tekun_persons, a.disabled_persons, a.dangerous_houses) == (41, 3, 12, 0)


def test_village_file_creates_and_updates_village_profiles(registry, tmp_path):
    rows = [["清溪县", "甲镇", "村A", "是", "320", "1,150", "12.5", "是"], ["清溪县", "甲镇", "村B", "否", "210", "800", "", ""]]
    out = run_import(write_csv(tmp_path / "（自定义）行政村信息.csv", rows, headers=VILLAGES), actor=registry["county"])
    assert out.loaded and out.layout == "villages" and out.counts["records_new"] == 2
    a = VillageProfile.objects.get(village__name="村A")
    assert (a.is_exited, a.total_households, a.total_population, a.collective_income, a.has_broadband) == (
        True, 320, 1150, Decimal("12.5"), True)
    rows[1][4] = "215"
    out = run_import(write_csv(tmp_path / "v.csv", rows, headers=VILLAGES), actor=registry["county"])
    assert out.counts == {"records_new": 0, "records_changed": 1, "records_unchanged": 1}
    b = VillageProfile.objects.get(village__name="村B")
    assert b.total_households == 215 and b.version == 2
    change = ObjectChange.objects.get(action="update", content_type__model="villageprofile")
    assert change.object_id == b.village_id and change.postchange_data == {"total_households": 215}
    # A village outside the user's scope is a row error.
    bad = run_import(write_csv(tmp_path / "v2.csv", [["丙县", "丁镇", "村D", "否", "1", "1", "", ""]], headers=VILLAGES),
                     actor=registry["county"])
    assert not bad.loaded and any("找不到行政村" in m for _, _, m in errors(bad))


def test_a_file_of_no_known_kind_is_refused_with_the_missing_columns(registry, tmp_path):
    with pytest.raises(ApplicationError) as exc:
        run_import(write_csv(tmp_path / "x.csv", [["甲镇", "村A", "H001"]], headers=["乡", "村", "户编号"]),
                   actor=registry["county"])
    assert "缺少必填列" in exc.value.message


def test_a_person_file_missing_a_column_is_not_taken_for_another_kind(registry, tmp_path):
    from .conftest import HEADERS, base_rows

    drop = HEADERS.index("与户主关系")
    headers = [h for i, h in enumerate(HEADERS) if i != drop] + ["耕地面积"]
    rows = [[v for i, v in enumerate(r) if i != drop] + ["1"] for r in base_rows()]
    with pytest.raises(ApplicationError) as exc:
        run_import(write_csv(tmp_path / "p.csv", rows, headers=headers), actor=registry["county"])
    assert "缺少必填列：“与户主关系”" in exc.value.message


def test_the_command_takes_the_layout_or_the_person_format(registry, tmp_path, capsys, monkeypatch):
    """``fupin import --layout``/``--format``: the chosen kind is used as given (no guessing from the name)."""
    from django.core.management import CommandError, call_command

    from fupin.batch import bulkload

    monkeypatch.setattr(bulkload, "SQLITE_ADBC_ALLOWED", False)  # the command sets it; restored after the test

    path = write_csv(tmp_path / "data.csv", work_rows()[:1], headers=WORK)  # no “计划” in the name
    call_command("import", str(path), "--layout", "work-planned", "--user", "county")
    assert WorkRecord.objects.get().kind == "planned"
    assert "计划外出务工信息：新增1" in capsys.readouterr().out
    with pytest.raises(CommandError, match="缺少必填列"):  # --format national: read as the person layout
        call_command("import", str(path), "--format", "national", "--user", "county")
    with pytest.raises(CommandError, match="矛盾"):
        call_command("import", str(path), "--format", "template", "--layout", "villages")
