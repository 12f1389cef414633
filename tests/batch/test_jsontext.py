"""Values of JSON objects kept as text, read per distinct text: the same values as decoding every row."""

from __future__ import annotations

import json

import polars as pl

from fupin.batch.jsontext import string_values

KEYS = ["健康帮扶", "产业帮扶", "信息采集人", "份数"]


def test_values_match_json_decoding_for_every_spelling():
    objects = [
        {"健康帮扶": "参保资助", "产业帮扶": "奖补"},
        {"健康帮扶": 'a "quoted" text', "份数": 3},
        {"信息采集人": "王五", "份数": None, "产业帮扶": ""},
        {"其他": "健康帮扶"},  # the key as a value elsewhere is not the key
        {},
    ]
    texts = ([json.dumps(o, ensure_ascii=False) for o in objects]  # as the import writes
             + [json.dumps(o) for o in objects]  # \\u-escaped, as Django writes on SQLite
             + [json.dumps(o, ensure_ascii=False, separators=(", ", ": ")) for o in objects]  # PostgreSQL jsonb
             + [None, "", "not json"])
    got = string_values(pl.Series(texts * 3, dtype=pl.Utf8), KEYS).to_dicts()
    expected = []
    for t in texts * 3:
        try:
            obj = json.loads(t) if t else {}
        except ValueError:
            obj = {}
        expected.append({k: None if obj.get(k) is None else str(obj[k]) for k in KEYS})
    assert got == expected


def test_rows_keep_their_order_and_count():
    texts = pl.Series(['{"a":"1"}', '{"a":"2"}', '{"a":"1"}', None], dtype=pl.Utf8)
    assert string_values(texts, ["a"])["a"].to_list() == ["1", "2", "1", None]
