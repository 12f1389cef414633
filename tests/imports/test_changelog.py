"""The change log of an import re-import: exactly the changed fields, as the forms and the history page show them."""

import datetime as dt
import json

import polars as pl

from fupin.imports.engine import _changes


def test_changed_fields_only_in_their_logged_forms():
    kinds = {"education": "code", "risk_types": "multicode", "dibao": "bool", "wage": "decimal", "size": "int",
             "birth_date": "date", "extra": "json", "notes": "text"}
    frame = pl.DataFrame({
        "db.id": ["7", "8"],
        "education": ["06", "04"], "db.education": ["04", "04"],
        "risk_types": [",01,04,", ""], "db.risk_types": [",01,", ",02,"],
        "dibao": [True, None], "db.dibao": ["0", "1"],
        "wage": [1234.5, -0.05], "db.wage": ["1000", "0"],
        "size": [3, None], "db.size": ["2", "4"],
        "birth_date": [dt.date(2001, 5, 6), None], "db.birth_date": ["2001-05-07", "1990-01-01"],
        "extra": ['{"产业帮扶":"是"}', None], "db.extra": ["{}", '{"a": "b"}'],
        "notes": ['说"明"', None], "db.notes": [None, "x"],
        **{f"~{f}": [f != "education" or True, f != "education"] for f in kinds},
    })
    out = _changes(frame, list(kinds), kinds)
    before = [json.loads(v) for v in out["before"]]
    after = [json.loads(v) for v in out["after"]]
    assert out["id"].to_list() == [7, 8]
    assert after[0] == {"education": "06", "risk_types": ["01", "04"], "dibao": True, "wage": "1234.50", "size": 3,
                        "birth_date": "2001-05-06", "extra": {"产业帮扶": "是"}, "notes": '说"明"'}
    assert before[0] == {"education": "04", "risk_types": ["01"], "dibao": False, "wage": "1000.00", "size": 2,
                         "birth_date": "2001-05-07", "extra": {}, "notes": ""}
    # Row 8: education did not change and is not logged.
    assert after[1] == {"risk_types": [], "dibao": None, "wage": "-0.05", "size": None, "birth_date": None,
                        "extra": {}, "notes": ""}
    assert before[1] == {"risk_types": ["02"], "dibao": True, "wage": "0.00", "size": 4, "birth_date": "1990-01-01",
                         "extra": {"a": "b"}, "notes": "x"}
