"""Person lists in our template layout or the national layout, built in Polars and written as XLSX or CSV.

One row per active member of an active household, household columns repeated — the same layout the importer
reads, so an export of the template layout imports back into an identical registry. ID numbers, phones and bank
accounts are masked unless the user's role may see them; the caller logs the export. Large exports are read,
formatted and written in batches (:func:`person_batches`, :func:`write_batches`): a million persons stay well
under 2 GB.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import polars as pl
from django.db import connection

from fupin.accounts import scoping
from fupin.areas import codes as area_codes
from fupin.batch.snapshot import read_sql_batches
from fupin.batch.xlsx_stream import XlsxStream
from fupin.core import codes
from fupin.registry.models import Household, IncomeRecord, Member

from .layouts import AREA, HOUSEHOLD, HOUSEHOLD_EXTRA, INCOME, MEMBER, Column, person_columns

RISK_COLUMNS = 5


def layout_columns(layout: str) -> list[Column]:
    cols = [c for c in person_columns() if layout == "template" or c.national]
    if layout == "national":
        cols = [c for c in cols if c.key != "year"]
    return cols


def _db(model, name: str) -> str:
    return model._meta.get_field(name).column


def _scope_sql(user) -> tuple[str, list]:
    areas = scoping.areas_with(user, "registry.export") if user is not None else scoping.ALL
    if areas is scoping.ALL:
        return "1=1", []
    if not areas:
        return "1=0", []
    parts, params = [], []
    for code in areas:
        lo, hi = area_codes.subtree_range(code)
        parts.append("(h.village_id BETWEEN %s AND %s)")
        params += [lo, hi]
    return "(" + " OR ".join(parts) + ")", params


EXPORT_BATCH_ROWS = 100_000  # rows read, formatted and written at a time


def _person_sql(user, layout: str) -> tuple[str, list, list[str]]:
    cols = layout_columns(layout)
    select = ["CAST(h.id AS TEXT) AS hid", "CAST(h.village_id AS TEXT) AS village_code",
              "v.name AS village", "t.name AS township", "c.name AS county", "CAST(h.extra AS TEXT) AS extra",
              "CAST(h.income_year AS TEXT) AS h_income_year"]
    names = ["hid", "village_code", "village", "township", "county", "extra", "h_income_year"]
    for c in cols:
        model = {HOUSEHOLD: Household, MEMBER: Member, INCOME: IncomeRecord}.get(c.target)
        alias = {HOUSEHOLD: "h", MEMBER: "m", INCOME: "i"}.get(c.target)
        if model is not None:
            select.append(f'CAST({alias}."{_db(model, c.key)}" AS TEXT) AS "{c.target}.{c.key}"')
            names.append(f"{c.target}.{c.key}")
    scope, params = _scope_sql(user)
    true = "true" if connection.vendor == "postgresql" else "1"
    sql = (f"SELECT {', '.join(select)} FROM registry_member m "
           f"JOIN registry_household h ON h.id = m.household_id "
           f"JOIN areas_area v ON v.code = h.village_id LEFT JOIN areas_area t ON t.code = v.parent_id "
           f"LEFT JOIN areas_area c ON c.code = t.parent_id "
           f"LEFT JOIN registry_incomerecord i ON i.household_id = h.id AND i.year = h.income_year "
           f"WHERE m.is_active = {true} AND h.is_active = {true} AND {scope} "
           f"ORDER BY h.number, m.relationship, m.birth_date, m.id")
    return sql, params, names


def person_batches(*, user, layout: str = "national", household_ids: list[int] | None = None,
                   show_ids: bool = False, show_contact: bool = False, batch_rows: int = EXPORT_BATCH_ROWS
                   ) -> Iterator[pl.DataFrame]:
    """The export in consecutive frames of display values (at least one frame, maybe empty), columns named by
    the layout's headers: read, formatted and handed on a batch at a time, so that memory stays bounded."""
    sql, params, names = _person_sql(user, layout)
    wanted = pl.DataFrame({"hid": [str(i) for i in household_ids]}, schema={"hid": pl.Utf8}) \
        if household_ids is not None else None
    empty = True
    for raw in read_sql_batches(sql, tuple(params), rows=batch_rows):
        # All-empty columns come back typed as integers from SQLite: make every column text, as the SQL says.
        raw = raw.with_columns([pl.col(c).cast(pl.Utf8) for c, t in raw.schema.items() if t != pl.Utf8])
        if wanted is not None:
            raw = raw.join(wanted, on="hid", how="semi")
        if raw.height or empty:
            yield format_frame(raw, layout=layout, show_ids=show_ids, show_contact=show_contact)
            empty = False
    if empty:
        yield format_frame(pl.DataFrame(schema={n: pl.Utf8 for n in names}), layout=layout, show_ids=show_ids,
                           show_contact=show_contact)


def person_frame(*, user, layout: str = "national", household_ids: list[int] | None = None,
                 show_ids: bool = False, show_contact: bool = False) -> pl.DataFrame:
    """The whole export as one frame (small exports and tests; large ones go through :func:`person_batches`)."""
    frames = list(person_batches(user=user, layout=layout, household_ids=household_ids, show_ids=show_ids,
                                 show_contact=show_contact))
    return pl.concat(frames, how="vertical_relaxed") if len(frames) > 1 else frames[0]


def _mask_id(src: pl.Expr) -> pl.Expr:
    """:func:`fupin.core.idnumber.mask`, vectorised: keep the first 6 and the last 4 characters."""
    n = src.str.len_chars().cast(pl.Int64)
    stars = pl.lit("*" * 64).str.slice(0, (n - 10).clip(lower_bound=0))
    short = src.str.slice(0, 2) + pl.lit("*" * 64).str.slice(0, (n - 2).clip(lower_bound=0))
    return pl.when(src.is_null() | (n == 0)).then(pl.lit("")).when(n <= 10).then(short).otherwise(
        src.str.slice(0, 6) + stars + src.str.slice(-4))


def _mask_phone(src: pl.Expr) -> pl.Expr:
    """:func:`fupin.core.phone.mask`, vectorised."""
    n = src.str.len_chars().cast(pl.Int64)
    return pl.when(src.is_null() | (n == 0)).then(pl.lit("")).when(n >= 11).then(
        src.str.slice(0, 3) + pl.lit("****") + src.str.slice(-4)).otherwise(
        src.str.slice(0, 2) + pl.lit("*" * 64).str.slice(0, (n - 2).clip(lower_bound=0)))


def _mask_account(src: pl.Expr) -> pl.Expr:
    """:func:`fupin.core.phone.mask_account`, vectorised: keep the last 4 digits."""
    n = src.str.len_chars().cast(pl.Int64)
    return pl.when(src.is_null() | (n == 0)).then(pl.lit("")).when(n > 4).then(
        pl.lit("****") + src.str.slice(-4)).otherwise(pl.lit("****"))


EXTRA_PREFIX = "extra."  # the household's kept national columns, as columns of the raw frame


def format_frame(raw: pl.DataFrame, *, layout: str, show_ids: bool, show_contact: bool) -> pl.DataFrame:
    from fupin.batch.jsontext import string_values

    extra_keys = [c.key for c in layout_columns(layout) if c.target == HOUSEHOLD_EXTRA]
    if extra_keys:
        raw = raw.with_columns(string_values(raw["extra"], extra_keys).select(
            pl.all().name.prefix(EXTRA_PREFIX)).get_columns())
    out = []
    for c in layout_columns(layout):
        src = pl.col(f"{c.target}.{c.key}") if c.target in (HOUSEHOLD, MEMBER, INCOME) else None
        if c.target == AREA:
            out.append(pl.col("village_code" if c.key == "village_code" else c.key).alias(c.label))
            continue
        if c.target == HOUSEHOLD_EXTRA:
            out.append(pl.col(f"{EXTRA_PREFIX}{c.key}").alias(c.label))
            continue
        if c.target == INCOME and c.key == "year":
            out.append(pl.col(f"{INCOME}.year").cast(pl.Int64, strict=False).alias(c.label))
            continue
        label = c.aliases[0] if layout == "national" and c.key == "phone" and c.target == MEMBER else c.label
        if c.kind == "multicode":
            labels = {i.code: i.label for i in codes.get(c.code_list).items}
            items = src.str.strip_chars(",").str.split(",").list.eval(
                pl.element().replace_strict(labels, default=pl.element()))
            if layout == "national" and c.key == "risk_types":
                for i in range(RISK_COLUMNS):
                    out.append(items.list.get(i, null_on_oob=True).alias(f"致贫/返贫风险{i + 1}"))
            else:
                out.append(pl.when(src.is_null() | (src == "")).then(None).otherwise(items.list.join("、"))
                           .alias(label))
            continue
        if c.kind == "code":
            labels = {i.code: i.label for i in codes.get(c.code_list).items}
            out.append(src.replace_strict(labels, default=src).alias(label))
        elif c.kind == "bool":
            out.append(src.replace_strict({"1": "是", "true": "是", "t": "是", "0": "否", "false": "否", "f": "否"},
                                          default=None).alias(label))
        elif c.kind == "decimal":
            out.append(src.cast(pl.Float64, strict=False).alias(label))
        elif c.kind in ("int", "year"):
            out.append(src.cast(pl.Float64, strict=False).cast(pl.Int64).alias(label))
        elif c.kind == "month":
            out.append(src.str.slice(0, 7).str.replace("-", "").alias(label))
        elif c.kind == "date":
            out.append(src.str.slice(0, 10).alias(label))
        elif c.kind == "id":
            out.append((src if show_ids else _mask_id(src)).alias(label))
        elif c.kind == "phone":
            out.append((src if show_contact else _mask_phone(src)).alias(label))
        elif c.key == "bank_account":
            out.append((src if show_contact else _mask_account(src)).alias(label))
        else:
            out.append(src.alias(label))
    df = raw.select(out)
    # Empty text is written as an empty cell.
    return df.with_columns([pl.when(pl.col(n) == "").then(None).otherwise(pl.col(n)).alias(n)
                            for n, t in df.schema.items() if t == pl.Utf8])


def write(df: pl.DataFrame, *, fmt: str, title: str | None = None) -> Path:
    """Write one frame to a temporary file (see :func:`write_batches`)."""
    return write_batches([df], fmt=fmt, title=title)[0]


def write_batches(frames: Iterable[pl.DataFrame], *, fmt: str, title: str | None = None) -> tuple[Path, int]:
    """Write consecutive frames (same columns) to a temporary file, a frame at a time; returns (path, rows).

    XLSX through :class:`~fupin.batch.xlsx_stream.XlsxStream` (streamed, bounded memory), CSV as UTF-8 with BOM
    for Excel."""
    suffix = ".xlsx" if fmt == "xlsx" else ".csv"
    fd, name = tempfile.mkstemp(suffix=suffix)
    path = Path(name)
    os.close(fd)
    rows = 0
    if fmt == "csv":
        with open(path, "wb") as fh:
            fh.write(b"\xef\xbb\xbf")
            for i, df in enumerate(frames):
                df.write_csv(fh, include_header=i == 0)
                rows += df.height
        return path, rows
    stream = None
    try:
        for df in frames:
            if stream is None:
                stream = XlsxStream(path, df.columns, sheet_name=(title or "人员信息")[:31]).__enter__()
            stream.write(df)
            rows += df.height
    except BaseException as exc:
        if stream is not None:
            stream.__exit__(type(exc), exc, exc.__traceback__)
        raise
    if stream is not None:
        stream.__exit__(None, None, None)
    return path, rows
