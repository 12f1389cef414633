"""Values of JSON objects stored as text (``Household.extra``), read as columns without decoding every row.

``extra`` keeps what the national export has and the model has no field for (measure texts, the information
collector): per household a small object of strings. Exports and the data-quality snapshot need some of its keys
as columns over hundreds of thousands or millions of rows. Decoding each row costs: Polars' ``json_decode`` ~4 µs
a row, ``json_path_match`` ~0.8 µs a key and row, the databases ~1 µs a key and row (PostgreSQL ``->>``; SQLite's
``json_extract`` parses the text again for every key). Counties write the same few texts again and again, so each
distinct text is read once, and a text without a backslash (no escapes: what the import and PostgreSQL's jsonb
write) is cut with one pattern per key, which is exact there. Texts with escapes (Django writes keys and values
``\\u``-escaped on SQLite) are decoded by ``json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import polars as pl


def string_values(texts: pl.Series, keys: Sequence[str]) -> pl.DataFrame:
    """A frame with one text column per key of ``keys`` (null where the object lacks it), row for row with
    ``texts`` (JSON objects as text; null, empty or invalid text reads as an empty object)."""
    texts = texts.cast(pl.Utf8).fill_null("")
    distinct = texts.unique()
    escaped = distinct.str.contains("\\", literal=True)
    table = pl.concat([_cut(distinct.filter(~escaped), keys), _decoded(distinct.filter(escaped), keys)])
    return texts.to_frame("_text").join(table, on="_text", how="left", maintain_order="left").drop("_text")


def _cut(texts: pl.Series, keys: Sequence[str]) -> pl.DataFrame:
    """Texts without escapes: a string value runs from its opening quote to the next one; other scalars (numbers,
    true/false) to the next comma, brace or space."""
    columns = [texts.alias("_text")]
    for key in keys:
        quoted = json.dumps(key, ensure_ascii=False)
        names = texts.str.contains(quoted, literal=True)
        value = pl.Series(key, [None] * len(texts), dtype=pl.Utf8)
        if names.any():
            rows = texts.filter(names)
            found = rows.str.extract(rf'{re.escape(quoted)}\s*:\s*"([^"]*)"', 1).fill_null(
                rows.str.extract(rf'{re.escape(quoted)}\s*:\s*([^",}}\s][^,}}\s]*)', 1).replace("null", None))
            value = value.scatter(names.arg_true(), found)
        columns.append(value)
    return pl.DataFrame(columns)


def _decoded(texts: pl.Series, keys: Sequence[str]) -> pl.DataFrame:
    rows = []
    for text in texts.to_list():
        try:
            obj = json.loads(text)
        except ValueError:
            obj = {}
        obj = obj if isinstance(obj, dict) else {}
        rows.append([text, *(None if obj.get(k) is None else _scalar(obj[k]) for k in keys)])
    return pl.DataFrame(rows, schema={"_text": pl.Utf8, **{k: pl.Utf8 for k in keys}}, orient="row")


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

