"""Import/export benchmark: 1,000,000 persons on SQLite and PostgreSQL.

    .venv/bin/python bench/import_bench.py [--persons N] [--db sqlite,postgres] [--skip-xlsx]

Per database: a fresh database, the demo county generated at the given size (the source registry), then each
step as its own process (so that its peak memory is its own), timed end to end:

1. export the template layout to CSV and the national layout to XLSX (target ≤ 30 s for 1M);
2. empty the registry, import the CSV (validation included; target ≥ 150,000 persons/s);
3. change 1% of the persons in the CSV and import it again (target ≤ 20 s, exactly those changes logged); then
   the same file again with the rows' import digests cleared (the first re-import after an upgrade);
4. empty the registry, import the national XLSX (target ≤ 20 s on PostgreSQL).

Nothing is asserted; it prints seconds, rows/s and peak memory per step. The figures measured so far, with the
conditions they were measured under, are in docs/operations.md ("Benchmark").
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from measure import fresh_database, measured

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "import"
FUPIN = str(Path(sys.executable).parent / "fupin")

WIPE = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
import django
django.setup()
from django.db import connection
tables = ["quality_problemevent", "quality_problem", "assistance_helperassignment", "registry_workrecord",
          "registry_incomedigest", "registry_incomerecord", "registry_memberdigest", "registry_householddigest",
          "registry_member", "registry_household", "core_objectchange"]
with connection.cursor() as c:
    if connection.vendor == "postgresql":
        c.execute("TRUNCATE " + ", ".join(tables))
    else:
        for t in tables:
            c.execute(f"DELETE FROM {t}")
        c.execute("VACUUM")
"""

CLEAR_DIGESTS = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
import django
django.setup()
from django.db import connection
with connection.cursor() as c:
    for t in ("registry_householddigest", "registry_memberdigest", "registry_incomedigest"):
        c.execute(f"DELETE FROM {t}")
"""

COUNT_LOG = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
import django
django.setup()
from fupin.core.models import ObjectChange, Job
job = Job.objects.filter(kind="import.load").order_by("-created_at").first()
print(ObjectChange.objects.filter(job_id=job.id, action="update").count())
"""


def step(name: str, cmd: list[str], env: dict, rows: int | None = None) -> dict:
    seconds, rss, rc, p = measured(cmd, env)
    rate = f"{rows / seconds:,.0f} rows/s" if rows else ""
    print(f"  {name:<42} {seconds:7.1f} s  peak {rss:6d} MB  {rate}  {'FAILED rc=' + str(rc) if rc else ''}",
          flush=True)
    if rc:
        print(p.stdout[-2000:], p.stderr[-2000:], file=sys.stderr)
    detail = [line for line in p.stdout.splitlines() if "用时" in line or "农户：" in line]
    for line in detail:
        print("     " + line.strip())
    return {"seconds": seconds, "rss": rss, "rc": rc}


def change_one_percent(src: Path, dst: Path) -> int:
    """Change the 民族/文化程度 of every 100th person (a realistic correction); returns the number changed."""
    import polars as pl

    df = pl.read_csv(src, infer_schema=False)
    idx = pl.int_range(pl.len())
    target = (idx % 100 == 7)
    df = df.with_columns(pl.when(target).then(
        pl.when(pl.col("文化程度") == "初中").then(pl.lit("高中")).otherwise(pl.lit("初中"))).otherwise(
        pl.col("文化程度")).alias("文化程度"))
    with open(dst, "wb") as fh:
        fh.write(b"\xef\xbb\xbf")
        df.write_csv(fh)
    return df.filter(target).height


def leg(db: str, persons: int, skip_xlsx: bool) -> None:
    work = OUT / db
    env = fresh_database(db, work, "fupin_import_bench")
    print(f"== {db}: {persons:,} persons", flush=True)
    subprocess.run([FUPIN, "migrate", "-v0"], env=env, check=True)
    step("seed (source registry)", [FUPIN, "seed", "--persons", str(persons)], env, persons)
    csv, xlsx, changed = work / "template.csv", work / "national.xlsx", work / "template-1pct.csv"
    step("export template layout → CSV", [FUPIN, "export", "--layout", "template", "--format", "csv",
                                          "--out", str(csv)], env, persons)
    if not skip_xlsx:
        step("export national layout → XLSX", [FUPIN, "export", "--layout", "national", "--format", "xlsx",
                                                "--out", str(xlsx)], env, persons)
    subprocess.run([sys.executable, "-c", WIPE], env=env, check=True)
    step("import CSV into empty registry", [FUPIN, "import", str(csv), "--show", "0"], env, persons)
    n = change_one_percent(csv, changed)
    step(f"re-import with {n:,} persons changed", [FUPIN, "import", str(changed), "--show", "0"], env, persons)
    logged = subprocess.run([sys.executable, "-c", COUNT_LOG], env=env, capture_output=True, text=True).stdout.strip()
    print(f"     changes logged by the re-import: {logged} (persons changed in the file: {n})")
    # The same file once more with no digests stored, as the first re-import after an upgrade (or after a file
    # with other columns): every row is compared column by column and then gets its digest.
    subprocess.run([sys.executable, "-c", CLEAR_DIGESTS], env=env, check=True)
    step("re-import, no digests stored (0 changed)", [FUPIN, "import", str(changed), "--show", "0"], env, persons)
    if not skip_xlsx:
        subprocess.run([sys.executable, "-c", WIPE], env=env, check=True)
        step("import national XLSX into empty registry", [FUPIN, "import", str(xlsx), "--show", "0"], env, persons)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--db", default="sqlite,postgres")
    ap.add_argument("--skip-xlsx", action="store_true")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB")
    for db in args.db.split(","):
        leg(db, args.persons, args.skip_xlsx)


if __name__ == "__main__":
    main()
