"""Read-only snapshots of tables as Polars frames, pulled with ConnectorX / ADBC (the batch engine's input).

On PostgreSQL a separate connection (ConnectorX for whole results, ADBC for streamed ones) reads what is
committed (SQLite: Django's connection); every column is cast to text in SQL so that SQLite's per-value types
cannot confuse Arrow's column types, and the caller decides how to read each column.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
from django.db import connection


def _postgres_uri() -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host = s.get("HOST") or "localhost"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgresql://{user}{password}@{host}{port}/{s['NAME']}"


def read_sql(sql: str, *, ranged: bool = False) -> pl.DataFrame:
    """Run a SELECT and return its rows as a frame.

    Inside a transaction the read goes through Django's connection, which sees the transaction's own writes
    (a separate connection would not); values come as text there, as they do on SQLite.

    ``ranged`` (PostgreSQL, own connection): the query reads a range of an indexed key (a chunk's household ids)
    and the rows of that range lie together, as rows loaded household by household do. PostgreSQL cannot know
    that for a bitmap scan, which it then costs like a sequential scan of the whole table; the read is planned
    without sequential scans instead (a chunk of 1M members of 10M: 1.8 s of server CPU instead of 3.2 s)."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cur:
            cur.execute(sql)
            names = [d[0] for d in cur.description]
            rows = [tuple(None if v is None else str(v) for v in row) for row in cur.fetchall()]
        return pl.DataFrame(rows, schema={n: pl.Utf8 for n in names}, orient="row")
    if connection.vendor == "postgresql":
        return _read_postgres(sql, ranged=ranged)
    if connection.vendor == "sqlite":
        # Through Django's own sqlite3 connection: a second SQLite library (ADBC's) opening the file in a
        # process whose other threads hold connections would break SQLite's POSIX locks.
        with connection.cursor() as cur:
            cur.execute(sql)
            names = [d[0] for d in cur.description]
            return pl.DataFrame(cur.fetchall(), schema={n: pl.Utf8 for n in names}, orient="row", strict=False)
    raise NotImplementedError(connection.vendor)


def _read_postgres(sql: str, *, ranged: bool = False) -> pl.DataFrame:
    """A SELECT on a connection of its own, whole, through ConnectorX (its binary COPY decoder needs ~25% less CPU
    than ADBC's for the snapshot's rows: at 10M persons some 8 s of the run's CPU)."""
    import connectorx

    # No JIT for these reads: a snapshot query is a scan or a join over millions of rows, costly enough for
    # PostgreSQL to compile its expressions (~0.1 s a query, every chunk of a run), for plain column output that
    # gains nothing from it.
    uri = _postgres_uri() + "?options=-c%20jit%3Doff" + ("%20-c%20enable_seqscan%3Doff" if ranged else "")
    return pl.from_arrow(connectorx.read_sql(uri, sql, return_type="arrow"))


def read_sql_batches(sql: str, params: tuple = (), *, rows: int = 100_000) -> Iterator[pl.DataFrame]:
    """The rows of a SELECT as frames of about ``rows`` rows each, streamed (never the whole result at once).

    PostgreSQL, and SQLite in single-connection processes (see ``bulkload.SQLITE_ADBC_ALLOWED``): ADBC record
    batches. SQLite elsewhere: Django's connection, ``fetchmany``."""
    from fupin.batch import bulkload

    skip = 0
    if connection.vendor == "postgresql" or (connection.vendor == "sqlite" and bulkload.SQLITE_ADBC_ALLOWED):
        try:
            for frame in _adbc_batches(sql, params, rows):
                skip += frame.height
                yield frame
            return
        except Exception as exc:
            # ADBC's SQLite driver types each column from the first batch of rows; a column that is NULL
            # throughout the first batch and text later fails. Go on through Django's connection from the first
            # row not yet given (the query is the same, so its order is too).
            if connection.vendor != "sqlite" or "mismatch" not in str(exc):
                raise
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute(sql, params)
            names = [d[0] for d in cur.description]
            while skip and (passed := cur.fetchmany(min(skip, rows))):
                skip -= len(passed)
            while chunk := cur.fetchmany(rows):
                yield pl.DataFrame(chunk, schema={n: pl.Utf8 for n in names}, orient="row", strict=False)
        return
    raise NotImplementedError(connection.vendor)


def _adbc_batches(sql: str, params: tuple, rows: int) -> Iterator[pl.DataFrame]:
    if connection.vendor == "postgresql":
        import adbc_driver_postgresql.dbapi as adbc

        conn, sql = adbc.connect(_postgres_uri()), _numbered(sql)
    else:
        import adbc_driver_sqlite.dbapi as adbc

        conn, sql = adbc.connect(str(connection.settings_dict["NAME"])), sql.replace("%s", "?")
    with conn, conn.cursor() as cur:
        cur.execute(sql, params or None)
        pending, count = [], 0
        for batch in cur.fetch_record_batch():
            pending.append(pl.from_arrow(batch))
            count += batch.num_rows
            if count >= rows:
                frame = pl.concat(pending, how="vertical_relaxed")
                whole = frame.height // rows * rows
                yield from (frame.slice(start, rows) for start in range(0, whole, rows))
                pending, count = ([frame.slice(whole)], frame.height - whole) if frame.height > whole else ([], 0)
        if pending:
            yield pl.concat(pending, how="vertical_relaxed")


def _numbered(sql: str) -> str:
    """``%s`` → ``$1, $2 …`` for the PostgreSQL driver."""
    parts = sql.split("%s")
    return "".join(p + (f"${i + 1}" if i < len(parts) - 1 else "") for i, p in enumerate(parts))
