"""Import pages and person exports: the staged flow through Django's client, access and logging."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fupin.core.models import AccessLog
from fupin.imports.models import ImportBatch
from fupin.registry.models import Household

from .conftest import base_rows, write_csv

pytestmark = pytest.mark.django_db(transaction=True)


def upload(client, path, **extra):
    data = {"file": SimpleUploadedFile(path.name, path.read_bytes()), "format": "auto", "income_year": 2025, **extra}
    return client.post("/imports/", data)


def test_staged_flow_validate_then_load(client, users, tmp_path):
    client.force_login(users["county"])
    path = write_csv(tmp_path / "f.csv", base_rows())
    response = upload(client, path)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{batch.id}/"
    assert batch.status == "validated" and batch.report["households_new"] == 3
    assert Household.objects.count() == 0  # validation writes nothing
    page = client.get(f"/imports/{batch.id}/").content.decode()
    assert "确认导入" in page and "新增 <b>3</b>" in page
    client.post(f"/imports/{batch.id}/load/")
    batch.refresh_from_db()
    assert batch.status == "loaded" and batch.result["persons_new"] == 5
    assert Household.objects.count() == 3
    assert client.post(f"/imports/{batch.id}/load/").status_code == 302  # a second confirm does nothing
    assert Household.objects.count() == 3


def test_staged_flow_of_a_village_file_names_its_kind_and_counts_records(client, users, tmp_path):
    """A national 行政村信息 file uploaded under its own name: recognised, counted as records, loaded."""
    from fupin.areas.models import VillageProfile

    client.force_login(users["county"])
    path = write_csv(tmp_path / "（自定义）行政村信息.csv", [["甲镇", "村A", "是", "320"], ["甲镇", "村B", "否", "210"]],
                     headers=["乡", "村", "是否出列", "总户数"])
    upload(client, path)
    batch = ImportBatch.objects.get()
    assert batch.status == "validated" and batch.report["layout"] == "villages"
    page = client.get(f"/imports/{batch.id}/").content.decode()
    assert "（自定义）行政村信息" in page and 'id="record-counts"' in page and "新增 <b>2</b>" in page
    client.post(f"/imports/{batch.id}/load/")
    batch.refresh_from_db()
    assert batch.status == "loaded" and batch.result["records_new"] == 2
    assert VillageProfile.objects.get(village__name="村A").total_households == 320
    assert "（自定义）行政村信息导入完成：新增2条" in client.get(f"/imports/{batch.id}/").content.decode()


def test_errors_block_unless_skipping_and_workbook_lists_them(client, users, tmp_path):
    client.force_login(users["county"])
    rows = base_rows()
    rows[0][4] = "123"
    upload(client, write_csv(tmp_path / "bad.csv", rows))
    batch = ImportBatch.objects.get()
    assert batch.report["error_rows"] >= 1
    response = client.get(f"/imports/{batch.id}/errors.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [[c.value for c in row] for row in book["问题清单"].iter_rows()]
    assert cells[0] == ["行号", "列", "问题说明", "级别"]
    assert [2, "证件号码", "证件号码长度应为18位，实际为3位", "错误（不能导入）"] in cells
    client.post(f"/imports/{batch.id}/load/")
    batch.refresh_from_db()
    assert batch.status == "validated" and Household.objects.count() == 0
    client.post(f"/imports/{batch.id}/load/", {"skip_bad_rows": "on"})
    batch.refresh_from_db()
    assert batch.status == "loaded" and sorted(Household.objects.values_list("number", flat=True)) == ["H002", "H003"]


def test_unreadable_upload_is_reported(client, users, tmp_path):
    client.force_login(users["county"])
    response = upload(client, write_csv(tmp_path / "x.csv", [["1"]], headers=["甲", "乙"]))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == "invalid" and "没有找到表头" in batch.message
    response = client.post("/imports/", {"file": SimpleUploadedFile("a.pdf", b"%PDF"), "format": "auto",
                                         "income_year": 2025})
    assert response.status_code == 400 and "请上传.xlsx或.csv文件" in response.content.decode()


def test_access(client, users, tmp_path):
    assert client.get("/imports/").status_code == 302  # anonymous → login
    client.force_login(users["helper"])  # no registry.import
    assert client.get("/imports/").status_code == 403
    client.force_login(users["county"])
    upload(client, write_csv(tmp_path / "f.csv", base_rows()))
    batch = ImportBatch.objects.get()
    client.force_login(users["township"])  # may not import either
    assert client.get(f"/imports/{batch.id}/").status_code == 403
    client.force_login(users["officer"])  # may import, but not someone else's batch
    assert client.get(f"/imports/{batch.id}/").status_code == 404
    assert client.post(f"/imports/{batch.id}/load/").status_code == 404


def test_template_has_header_and_guide(client, users):
    client.force_login(users["officer"])
    response = client.get("/imports/template.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["人员信息", "填写说明"]
    header = [c.value for c in book["人员信息"][1]]
    assert header[:5] == ["县", "乡", "村", "行政村代码", "户编号"] and "证件号码" in header
    guide = {row[0].value: row for row in book["填写说明"].iter_rows(min_row=2) if row[0].value}
    assert guide["户类型"][1].value == "必填" and "脱贫户" in guide["户类型"][4].value


def test_person_export_masks_by_role_and_is_logged(client, users, tmp_path):
    client.force_login(users["county"])
    upload(client, write_csv(tmp_path / "f.csv", base_rows()))
    client.post(f"/imports/{ImportBatch.objects.get().id}/load/")
    client.force_login(users["viewer"])
    response = client.get("/imports/persons/export/?layout=national&fmt=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "户编号" in text.splitlines()[0] and len(text.splitlines()) == 6
    assert "********" in text and "13800138000" not in text
    log = AccessLog.objects.filter(object_type="person:national").get()
    assert log.user_name == "viewer" and log.row_count == 5 and not log.unmasked
    client.force_login(users["officer"])
    response = client.get("/imports/persons/export/?layout=template&fmt=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [[c.value for c in r] for r in book.active.iter_rows(min_row=2)]
    assert len(values) == 3 and "13800138000" in [v for row in values for v in row]  # 村A only, unmasked
