"""Shared by the benchmarks: run a command in its own process and measure its wall time and peak memory."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"

# Runs the command as a child of a small Python process, so that RUSAGE_CHILDREN is that command's alone.
RUNNER = """
import resource, subprocess, sys, time
t = time.monotonic()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
dt = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
sys.stdout.write(p.stdout[-4000:])
sys.stderr.write(p.stderr[-4000:])
print(f"@@ {dt:.2f} {rss:.0f} {p.returncode}")
"""


def measured(cmd: list[str], env: dict) -> tuple[float, int, int, subprocess.CompletedProcess]:
    """(seconds, peak MB, return code, the runner's completed process) of ``cmd``."""
    p = subprocess.run([sys.executable, "-c", RUNNER, *cmd], env=env, capture_output=True, text=True, check=False)
    m = re.search(r"@@ ([\d.]+) (\d+) (-?\d+)", p.stdout)
    return float(m.group(1)), int(m.group(2)), int(m.group(3)), p


def fresh_database(db: str, work: Path, pg_name: str) -> dict:
    """An environment pointing at an empty database: a new SQLite file under ``work``, or PostgreSQL database
    ``pg_name`` dropped and created again."""
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, FUPIN_DATA_DIR=str(work), FUPIN_LOG_LEVEL="ERROR")
    if db == "sqlite":
        path = work / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {pg_name}")
            conn.execute(f"CREATE DATABASE {pg_name}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{pg_name}"
    return env
