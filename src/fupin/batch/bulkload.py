"""Bulk writes of Polars frames into model tables: COPY on PostgreSQL, ADBC ingest on SQLite.

Measured here: ~300k rows/s with COPY and ~160k wide rows/s with ADBC ingest, against ~18k rows/s for Django's
bulk_create. Frames are completed with every concrete column of the model (defaults for the ones not given), so
a caller builds only the columns it knows.

All frames of one :func:`load_frames` call are written in one transaction: on error nothing is written.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import polars as pl
from django.db import connection, models, transaction
from django.utils import timezone

from fupin.core.fields import MultiCodeField


def _default_for(field: models.Field, now_text: str):
    if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
        return now_text
    if isinstance(field, MultiCodeField):
        return ""
    if isinstance(field, models.JSONField):
        default = field.get_default()
        return json.dumps(default if default is not None else {})
    if field.has_default():
        value = field.get_default()
        if isinstance(value, bool):
            return value
        return value
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField):
        return ""
    raise ValueError(f"column {field.model.__name__}.{field.attname} needs a value")


def model_frame(model: type[models.Model], columns: dict, height: int) -> pl.DataFrame:
    """A frame with exactly the model's concrete columns, in table order, from ``columns`` + defaults."""
    now_text = timezone.now().isoformat()
    data = {}
    for f in model._meta.concrete_fields:
        if f.attname in columns:
            value = columns[f.attname]
        elif f.primary_key and f.attname not in columns:
            raise ValueError(f"{model.__name__}: give the primary key column {f.attname}")
        else:
            value = _default_for(f, now_text)
        if isinstance(value, pl.Series):
            data[f.column] = value.alias(f.column)
        else:
            data[f.column] = pl.repeat(value, height, eager=True).alias(f.column) if value is not None else \
                pl.Series(f.column, [None] * height, dtype=_null_dtype(f))
    return pl.DataFrame(data)


def _null_dtype(field: models.Field):
    if isinstance(field, models.BooleanField):
        return pl.Boolean
    if isinstance(field, models.IntegerField | models.AutoField | models.ForeignKey):
        return pl.Int64
    if isinstance(field, models.DecimalField | models.FloatField):
        return pl.Float64
    return pl.Utf8


def _for_sqlite(df: pl.DataFrame) -> pl.DataFrame:
    """SQLite through Django stores dates as ISO text and booleans as 0/1."""
    casts = []
    for name, dtype in df.schema.items():
        if dtype == pl.Boolean:
            casts.append(pl.col(name).cast(pl.Int8))
        elif dtype == pl.Date:
            casts.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif isinstance(dtype, pl.Datetime):
            casts.append(pl.col(name).dt.strftime("%Y-%m-%d %H:%M:%S%.6f"))
    return df.with_columns(casts) if casts else df


def _copy_postgres(cursor, table: str, df: pl.DataFrame, not_null_text: list[str]) -> None:
    cols = ", ".join(f'"{c}"' for c in df.columns)
    force = f", FORCE_NOT_NULL ({', '.join(chr(34) + c + chr(34) for c in not_null_text)})" if not_null_text else ""
    sql = f'COPY "{table}" ({cols}) FROM STDIN WITH (FORMAT csv{force})'
    chunk = 200_000
    with cursor.copy(sql) as copy:
        for start in range(0, df.height, chunk):
            buf = io.BytesIO()
            df.slice(start, chunk).write_csv(buf, include_header=False, null_value="",
                                             datetime_format="%Y-%m-%dT%H:%M:%S%.6f%:z")
            copy.write(buf.getvalue())


def _pg_deferrable(cursor, tables: list[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """Secondary indexes (not backing a constraint) and foreign keys of ``tables``, as DDL to recreate them."""
    cursor.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""", [tables])
    indexes = list(cursor.fetchall())
    cursor.execute(
        """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE contype = 'f' AND conrelid = ANY(SELECT oid FROM pg_class WHERE relname = ANY(%s)
                                                   AND relnamespace = current_schema()::regnamespace)""",
        [tables])
    return indexes, list(cursor.fetchall())


def _sqlite_indexes(cursor, tables: list[str]) -> list[tuple[str, str]]:
    marks = ",".join("?" * len(tables))
    cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                   f"AND tbl_name IN ({marks})", tables)
    return cursor.fetchall()


def load_frames(frames: list[tuple[type[models.Model], pl.DataFrame]], *, rebuild_indexes: bool = False
                ) -> dict[str, int]:
    """Append each frame to its model's table, all in one transaction. Returns rows written per table.

    ``rebuild_indexes`` (for loads that are large against what the tables hold, like a first import or the demo
    county): secondary indexes and, on PostgreSQL, foreign keys are dropped inside the transaction and rebuilt
    after the load. Building an index over the loaded data is several times faster than maintaining it row by
    row, and the rebuild re-checks uniqueness and references, so a bad load still fails as a whole.
    """
    counts = {}
    tables = [m._meta.db_table for m, _ in frames]
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
            indexes, fkeys = _pg_deferrable(cursor, tables) if rebuild_indexes else ([], [])
            for table, name, _definition in fkeys:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _ddl in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            for model, df in frames:
                text_cols = [f.column for f in model._meta.concrete_fields
                             if isinstance(f, models.CharField | models.TextField | models.JSONField)
                             and not f.null and f.column in df.columns]
                _copy_postgres(raw, model._meta.db_table, df, text_cols)
                counts[model._meta.db_table] = df.height
            for _name, ddl in indexes:
                cursor.execute(ddl)
            for table, name, definition in fkeys:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for model, _df in frames:
                _reset_sequence(cursor, model)
        return counts
    if connection.vendor == "sqlite":
        import adbc_driver_sqlite.dbapi as adbc_sqlite

        # ADBC opens its own connection to the file; Django's must not hold a write transaction meanwhile.
        if connection.in_atomic_block:
            raise RuntimeError("load_frames on SQLite must run outside transaction.atomic()")
        connection.close()
        with adbc_sqlite.connect(str(connection.settings_dict["NAME"])) as conn:
            with conn.cursor() as cur:
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA cache_size=-262144")  # 256 MB page cache for the index builds
                indexes = _sqlite_indexes(cur, tables) if rebuild_indexes else []
                for name, _sql in indexes:
                    cur.execute(f'DROP INDEX "{name}"')
                for model, df in frames:
                    cur.adbc_ingest(model._meta.db_table, _for_sqlite(df).to_arrow(), mode="append")
                    counts[model._meta.db_table] = df.height
                for _name, sql in indexes:
                    cur.execute(sql)
            conn.commit()
        return counts
    raise NotImplementedError(f"bulk load not supported on {connection.vendor}")


def _reset_sequence(cursor, model: type[models.Model]) -> None:
    pk = model._meta.pk
    if isinstance(pk, models.AutoField | models.BigAutoField):
        table = model._meta.db_table
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{pk.column}'), "
            f"COALESCE((SELECT MAX(\"{pk.column}\") FROM \"{table}\"), 0) + 1, false)"
        )


def next_id(model: type[models.Model]) -> int:
    last = model._base_manager.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def today() -> dt.date:
    return timezone.localdate()
