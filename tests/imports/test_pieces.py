"""Large files are read in pieces and code-like columns parsed once per distinct text: same rows, same problems."""

import pytest

from fupin.batch import readers
from fupin.imports import validate
from fupin.imports.layouts import header_score
from fupin.imports.services import scope_villages

from .conftest import base_rows

pytestmark = pytest.mark.django_db


def _rows():
    rows = []
    for i in range(40):
        for r in base_rows():
            r = list(r)
            r[2] = f"{r[2]}-{i}"
            r[4] = ""  # no ID numbers: the copies must not clash
            r[5] = r[5] if i % 7 else "户主\n（第二行）"  # a line break inside a quoted cell
            r[11] = ["初中", "小学", "不知道", " 高中 ", ""][i % 5]
            r[12] = ["12,000", "x", "3000元", "", "-5"][i % 5]
            rows.append(r)
    return rows


def _parse(path, users):
    table = readers.read_table(path, header_score)
    return validate.parse(table, villages=scope_villages(users["county"]), income_year=2025)


@pytest.mark.parametrize(("piece_bytes", "read_ahead"), [
    (700, True),  # dozens of pieces of a few rows, some cut near the quoted breaks
    (700, False),
    (40, True),  # every record longer than a piece: the piece grows to hold it
])
def test_pieces_and_distinct_parsing_give_the_same_result(users, files, monkeypatch, piece_bytes, read_ahead):
    path = files.csv(_rows(), titles=["标题"])
    whole = _parse(path, users)
    monkeypatch.setattr(readers, "CSV_PIECE_BYTES", piece_bytes)
    monkeypatch.setattr(readers, "CSV_READ_AHEAD", read_ahead)
    cut = readers.read_table(path, header_score)
    sizes = [frame.height for frame in cut.frames()]
    assert sum(sizes) == 200 and len(sizes) >= 20 and max(sizes) < 50
    pieces = _parse(path, users)
    monkeypatch.setattr(validate, "DISTINCT_SAMPLE", 0)
    monkeypatch.setattr(validate, "DISTINCT_RATIO", -1)  # every column parsed row by row
    direct = _parse(path, users)
    for other in (pieces, direct):
        assert other.rows_read == whole.rows_read == 200
        assert other.person_rows().equals(whole.person_rows())
        assert other.problems.equals(whole.problems)
    assert whole.problems.height > 0
    # codes are held as categories, other text as text
    assert whole.rows.schema["member.relationship"] == validate.pl.Categorical
    assert whole.households.schema["household.household_type"] == validate.pl.Categorical
    assert whole.rows.schema["member.name"] == validate.pl.Utf8
    assert whole.households.height == 120  # the household columns held once per household, not per row
    assert any("户主\n（第二行）" in m for m in whole.problems["message"].to_list())


def test_household_columns_parsed_once_per_run_of_equal_rows_give_the_same_result(users, files, monkeypatch):
    """Repeated household cells are parsed only where they change; the result equals parsing every row."""
    rows = []
    for i in range(30):
        for j, r in enumerate(base_rows()):
            r = list(r)
            r[2] = f"{r[2]}-{i}"
            r[4] = ""
            if j % 2:
                r[12] = r[12].replace(",", "") if r[12] else r[12]  # other text, same amount: no disagreement
            if i % 3 == 1 and j % 2:
                r[6] = "乱填"  # a bad household cell on a later row of the household only
            rows.append(r)
    path = files.csv(rows)
    once = _parse(path, users)
    monkeypatch.setattr(validate, "_changed_rows", lambda raw, headers: raw.select(
        validate.pl.repeat(True, raw.height, dtype=validate.pl.Boolean)).to_series())
    every = _parse(path, users)
    assert once.person_rows().equals(every.person_rows())
    assert once.problems.equals(every.problems)
    messages = once.problems["message"].to_list()
    assert any("乱填" in m for m in messages)


def test_a_file_that_changes_encoding_after_its_first_megabyte_is_refused_and_nothing_loaded(users, files, tmp_path):
    """The encoding is told from the file's start; GBK text further on is named, not read as garbage."""
    from fupin.core.errors import ApplicationError
    from fupin.imports.services import run_import
    from fupin.registry.models import Household

    good = files.csv(_rows()).read_bytes()
    body = good.split(b"\n", 1)[1]
    mixed = tmp_path / "mixed.csv"
    copies = (1 << 20) // len(body) + 1
    mixed.write_bytes(good + body * copies + "村A,张三,9".encode("gbk") + b"\n")
    with pytest.raises(ApplicationError, match="文件编码不一致") as info:
        run_import(mixed, actor=users["county"])
    assert info.value.code == "encoding"
    assert not Household.objects.exists()


def test_a_file_with_only_its_header_has_no_rows(users, files, tmp_path):
    header_only = tmp_path / "header.csv"
    header_only.write_bytes(files.csv(_rows()).read_bytes().split(b"\n", 1)[0])  # no line break after it
    parsed = _parse(header_only, users)
    assert parsed.rows_read == 0
    assert parsed.problems.height == 0
