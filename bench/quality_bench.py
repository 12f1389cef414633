"""Data-quality benchmark: the whole rule catalogue over 1,000,000 persons on SQLite and PostgreSQL.

    .venv/bin/python bench/quality_bench.py [--persons N] [--db sqlite,postgres] [--runs 1-3] [--reuse]
                                            [--out DIR] [--pg-db NAME]

Per database: a fresh database, the demo county generated at the given size, then three runs of
``fupin quality run`` over the whole county, each as its own process (so its peak memory is its own), timed end
to end and split into snapshot / rules / writing findings (the run's own timings), with the run's CPU time and the
1-minute load average before and after it (the machine may be shared: a wall time alone can mislead):

1. the first run (every finding is a new problem: the problem list is written from scratch);
2. the same run again (nothing changes: every finding matches an open problem);
3. after 1% of the households were edited to fix or break data (problems fixed and opened).

``--reuse`` keeps a database seeded by an earlier call with the same ``--persons`` (the SQLite file under
``--out``, PostgreSQL database ``--pg-db``) and only empties its problem list, so a first run is a first run again
(seeding 10M persons takes long). The 1% edit of an earlier call stays in the data.

Target (issue #4): ≤ 10 s for 1M persons, snapshot included; 10M ≤ 90 s within 8 GB. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from measure import PG_ADMIN, fresh_database

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "quality"
# Empties the problem list (a reused database): the next run writes it from scratch, as a first run does.
RESET = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
import django
django.setup()
from django.db import connection
with connection.cursor() as c:
    tables = ("quality_problemevent", "quality_problem", "quality_run")
    if connection.vendor == "postgresql":
        # As empty as before a real first run: a DELETE would leave the last run's rows as dead tuples that the
        # next load's index builds and foreign-key checks scan again (~3 s at 10M persons).
        c.execute("TRUNCATE " + ", ".join(tables))
    else:
        for table in tables:
            c.execute(f"DELETE FROM {table}")
    c.execute("SELECT COUNT(*) FROM registry_member WHERE is_active")
    print(c.fetchone()[0])
"""
FUPIN = str(Path(sys.executable).parent / "fupin")
LAST_RUN = """
import os, json
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
import django
django.setup()
from fupin.quality.models import Run
r = Run.objects.order_by("-id").first()
print(json.dumps({"timings": r.timings, "findings": r.findings, "outcome": r.outcome, "persons": r.persons,
                  "households": r.households}))
"""
# Edit 1% of households: half lose their pension answers (opens 5_19_001), half get them (fixes it).
EDIT = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
import django
django.setup()
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT COUNT(*) FROM registry_household")
    n = c.fetchone()[0]
    step = 100
    c.execute(f"UPDATE registry_member SET pension_resident = NULL, pension_employee = NULL, version = version + 1 "
              f"WHERE household_id IN (SELECT id FROM registry_household WHERE id % {2 * step} = 0)")
    c.execute(f"UPDATE registry_member SET pension_resident = {'true' if connection.vendor == 'postgresql' else 1}, "
              f"version = version + 1 WHERE household_id IN (SELECT id FROM registry_household WHERE id % {2 * step} = {step})")
    c.execute(f"UPDATE registry_household SET version = version + 1 WHERE id % {step} = 0")
print("edited")
"""


# As :data:`measure.RUNNER`, and the command's CPU time (user + system, its own process tree: not the database
# server's) and the 1-minute load average when it ends: the machine is shared, so a wall time alone can mislead.
RUNNER = """
import os, resource, subprocess, sys, time
t = time.monotonic()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
dt = time.monotonic() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stdout.write(p.stdout[-4000:])
sys.stderr.write(p.stderr[-4000:])
print(f"@@ {dt:.2f} {ru.ru_maxrss / 1024:.0f} {p.returncode} {ru.ru_utime + ru.ru_stime:.2f} {os.getloadavg()[0]:.2f}")
"""


def timed(env: dict, *cmd: str) -> tuple[float, float, float, float]:
    """(seconds, peak MB, CPU seconds, load average at the end) of ``cmd`` in its own process."""
    p = subprocess.run([sys.executable, "-c", RUNNER, *cmd], env=env, capture_output=True, text=True, check=False)
    m = re.search(r"@@ ([\d.]+) (\d+) (-?\d+) ([\d.]+) ([\d.]+)", p.stdout)
    if not m or int(m.group(3)) != 0:
        print(p.stdout[-3000:], p.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return float(m.group(1)), float(m.group(2)), float(m.group(4)), float(m.group(5))


def python(env: dict, code: str) -> str:
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    if p.returncode:
        print(p.stderr[-3000:], file=sys.stderr)
        raise SystemExit("helper script failed")
    return p.stdout.strip().splitlines()[-1]


def _seeded(db: str, work: Path, pg_name: str) -> dict | None:
    """The environment of a database seeded earlier (``--reuse``), or None if there is none."""
    env = dict(os.environ, FUPIN_DATA_DIR=str(work), FUPIN_LOG_LEVEL="ERROR")
    if db == "sqlite":
        path = work / "bench.sqlite3"
        if not path.exists():
            return None
        env["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [pg_name]).fetchone():
                return None
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{pg_name}"
    return env


def leg(db: str, persons: int, runs: int = 3, *, out: Path = OUT, pg_name: str = "fupin_quality_bench",
        reuse: bool = False) -> None:
    work = out / db
    env = _seeded(db, work, pg_name) if reuse else None
    if env is not None:
        members = int(python(env, RESET))
        if abs(members - persons) > persons // 10:
            raise SystemExit(f"[{db}] the kept database holds {members:,} persons, not about {persons:,}")
        print(f"[{db}] reusing the seeded database ({members:,} persons; problem list emptied)")
    else:
        env = fresh_database(db, work, pg_name)
        subprocess.run([FUPIN, "migrate", "-v", "0"], env=env, check=True)
        t = time.monotonic()
        townships = min(600, max(10, persons // 10000))  # township codes have three digits (100-999)
        subprocess.run([FUPIN, "seed", "--persons", str(persons), "--townships", str(townships),
                        "--villages", str(max(120, persons // 800))], env=env, check=True, capture_output=True)
        print(f"[{db}] seed {persons:,} persons: {time.monotonic() - t:.1f} s")
    if db == "postgres":
        subprocess.run([FUPIN, "dbshell"], input="VACUUM ANALYZE;", text=True, env=env, capture_output=True)
    run = [FUPIN, "quality", "run", "--check-date", "2026-06-30"]
    for label, before in (("first run (problem list written)", None), ("same run again (no change)", None),
                          ("after editing 1% of households", EDIT))[:runs]:
        if before:
            python(env, before)
        load = os.getloadavg()[0]
        secs, rss, cpu, load_after = timed(env, *run)
        info = json.loads(python(env, LAST_RUN))
        t = info["timings"]
        print(f"[{db}] {label}: {secs:.2f} s end to end, peak {rss:.0f} MB; {info['persons']:,} persons, "
              f"{info['findings']:,} findings; snapshot {t['snapshot']} s, rules {t['rules']} s, write {t['write']} s; "
              f"outcome {info['outcome']}; CPU {cpu:.1f} s (the run's process, not the database's); load "
              f"{load:.1f} before, {load_after:.1f} after")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--db", default="sqlite,postgres")
    ap.add_argument("--runs", type=int, default=3, help="how many of the three runs to do (1 = the first only)")
    ap.add_argument("--reuse", action="store_true", help="keep a database seeded earlier (see above)")
    ap.add_argument("--out", type=Path, default=OUT, help="where the SQLite databases go")
    ap.add_argument("--pg-db", default="fupin_quality_bench", help="the PostgreSQL database's name")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores; {args.persons:,} persons; catalogue over the whole county")
    for db in args.db.split(","):
        leg(db.strip(), args.persons, args.runs, out=args.out, pg_name=args.pg_db, reuse=args.reuse)


if __name__ == "__main__":
    main()
