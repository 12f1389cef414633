import pytest
from django.core.management import CommandError, call_command

from fupin.areas import codes
from fupin.areas.models import Area
from fupin.areas.services import AreaImportError, areas_import
from fupin.core.models import ObjectChange


@pytest.mark.parametrize("raw,code,level", [
    ("45", "450000000000", 1), ("4502", "450200000000", 2), ("450206", "450206000000", 3),
    ("450206100", "450206100000", 4), ("450206100201", "450206100201", 5), ("450206100201.0", "450206100201", 5),
])
def test_normalise_and_level(raw, code, level):
    assert codes.normalize(raw) == code
    assert codes.level_of(code) == level


@pytest.mark.parametrize("raw", ["4502061", "45A2", "", "00", "4502061002011"])
def test_malformed_codes(raw):
    with pytest.raises(codes.AreaCodeError):
        codes.normalize(raw)


def test_subtree_range_and_parent():
    assert codes.subtree_range("450206100000") == ("450206100000", "450206100999")
    assert codes.parent_code("450206100201") == "450206100000"
    assert codes.ancestors("450206100201") == ["450000000000", "450200000000", "450206000000", "450206100000"]
    assert codes.is_within("450206100201", "450206000000")
    assert not codes.is_within("450207100201", "450206000000")


CSV = "code,name,extra\n45,广西壮族自治区,x\n4502,柳州市,\n450206,柳江区,\n450206100,拉堡镇,\n450206100201,拉堡村,\n"


@pytest.mark.django_db
def test_import_is_idempotent_and_updates_names():
    report = areas_import(actor=None, files=[("a.csv", CSV.encode())])
    assert (report.created, report.updated, report.unchanged) == (5, 0, 0)
    assert Area.objects.get(code="450206100201").parent_id == "450206100000"
    again = areas_import(actor=None, files=[("a.csv", CSV.replace("拉堡村", "拉堡村委会").encode())])
    assert (again.created, again.updated, again.unchanged) == (0, 1, 4)
    assert Area.objects.get(code="450206100201").name == "拉堡村委会"
    assert ObjectChange.objects.filter(object_id="450206100201", action="update").count() == 1


@pytest.mark.django_db
def test_import_gbk_and_chinese_headers_and_bom():
    text = "区划代码,名称\n45,广西壮族自治区\n4502,柳州市\n"
    areas_import(actor=None, files=[("gbk.csv", text.encode("gbk"))])
    areas_import(actor=None, files=[("bom.csv", ("\ufeff" + text).encode("utf-8"))])
    assert Area.objects.count() == 2


@pytest.mark.django_db
def test_bad_rows_change_nothing_unless_skipped():
    bad = CSV + "4502061002,坏代码,\n459999100201,无上级村,\n"
    with pytest.raises(AreaImportError) as exc:
        areas_import(actor=None, files=[("bad.csv", bad.encode())])
    assert Area.objects.count() == 0
    message = exc.value.message
    assert "bad.csv 第7行 [code]" in message and "位数" in message
    assert "第8行" in message and "上级区划" in message
    report = areas_import(actor=None, files=[("bad.csv", bad.encode())], skip_bad_rows=True)
    assert report.created == 5 and len(report.errors) == 2


@pytest.mark.django_db
def test_missing_columns_are_named():
    with pytest.raises(AreaImportError) as exc:
        areas_import(actor=None, files=[("x.csv", "编码,名字\n45,广西\n".encode())])
    assert "缺少必需的列" in exc.value.message


@pytest.mark.django_db
def test_cli_import(tmp_path):
    f = tmp_path / "areas.csv"
    f.write_text(CSV, encoding="utf-8")
    call_command("areas", "import", str(f))
    assert Area.objects.count() == 5
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV + "12,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第7行"):
        call_command("areas", "import", str(bad))


@pytest.mark.django_db
def test_reimport_never_deletes_areas_households_use(household):
    areas_import(actor=None, files=[("a.csv", "code,name\n45,广西\n".encode())])
    assert Area.objects.filter(code=household.village_id).exists()
