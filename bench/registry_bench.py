"""Registry speed benchmark: 1,000,000 persons on SQLite and on PostgreSQL.

    .venv/bin/python bench/registry_bench.py [--persons N] [--requests N] [--db sqlite,postgres] [--keep]

For each database it creates a fresh database, migrates, generates the demo county at the given size (timed),
then drives the household list (area filter + name search), the household detail and the API list through
Django's request handling in-process, and prints p50/p95/max server time per scenario. Nothing is asserted:
it prints figures (targets: list p95 <= 150 ms, detail p95 <= 100 ms).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


def run_leg(db: str, persons: int, requests: int, keep: bool) -> dict:
    """Run one database leg in a subprocess (Django settings are fixed per process)."""
    OUT.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, FUPIN_DATA_DIR=str(OUT / db), FUPIN_LOG_LEVEL="ERROR")
    if db == "sqlite":
        path = OUT / db / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS fupin_bench")
            conn.execute("CREATE DATABASE fupin_bench")
        env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/fupin_bench"
    out = subprocess.run([sys.executable, __file__, "--child", "--persons", str(persons), "--requests", str(requests)],
                         env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print(out.stdout, out.stderr, file=sys.stderr)
        raise SystemExit(f"{db} leg failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def child(persons: int, requests: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    import django

    django.setup()
    import random

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from fupin.accounts.models import User
    from fupin.areas.models import Area
    from fupin.registry.models import Household, Member

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    t_migrate = time.perf_counter() - t0
    t0 = time.perf_counter()
    call_command("seed", persons=persons, townships=max(10, persons // 10000), villages=max(120, persons // 800),
                 stdout=io.StringIO())
    t_seed = time.perf_counter() - t0
    call_command("demousers", stdout=io.StringIO())
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as c:
            c.execute("ANALYZE")

    rng = random.Random(7)
    client = Client()
    client.force_login(User.objects.get(username="xian"))  # the county administrator: widest scope
    townships = list(Area.objects.filter(level=4).values_list("code", flat=True))
    villages = list(Area.objects.filter(level=5).values_list("code", flat=True))
    max_id = Household.objects.order_by("-id").values_list("id", flat=True).first()
    sample_names = [Member.objects.filter(pk=rng.randint(1, persons)).values_list("name", flat=True).first()
                    for _ in range(requests)]

    def timed(urls):
        times, queries = [], []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                r = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200, (url, r.status_code)
            queries.append(len(ctx.captured_queries))
        return {"p50": percentile(times, 50), "p95": percentile(times, 95), "max": max(times),
                "queries": max(queries), "n": len(times)}

    def names(i):
        name = sample_names[i] or "王"
        return name if i % 2 else name[0]  # half full names, half surnames (prefix search)

    scenarios = {
        "list: township + name": [f"/registry/households/?area={rng.choice(townships)}&q={names(i)}"
                                  for i in range(requests)],
        "list: county + full name": [f"/registry/households/?q={sample_names[i]}" for i in range(requests)],
        "list: village, monitored, page 2": [f"/registry/households/?area={rng.choice(villages)}&monitored=true&page=2"
                                             for _ in range(requests)],
        "list: county, income range": [f"/registry/households/?income_min=5000&income_max=8000&page={rng.randint(1, 50)}"
                                       for _ in range(requests)],
        "detail": [f"/registry/households/{rng.randint(1, max_id)}/" for _ in range(requests)],
        "api list: township + name": [f"/api/households/?area={rng.choice(townships)}&q={names(i)}"
                                      for i in range(requests)],
        "api detail": [f"/api/households/{rng.randint(1, max_id)}/" for _ in range(requests)],
    }
    for urls in scenarios.values():  # warm caches once
        client.get(urls[0])
    results = {name: timed(urls) for name, urls in scenarios.items()}
    print(json.dumps({
        "vendor": connection.vendor, "persons": Member.objects.count(), "households": Household.objects.count(),
        "migrate_s": t_migrate, "seed_s": t_seed, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "results": results,
    }))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.persons, args.requests)
        return
    print(f"machine: {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB")
    for db in args.db.split(","):
        r = run_leg(db, args.persons, args.requests, args.keep)
        print(f"\n== {r['vendor']}: {r['persons']:,} persons, {r['households']:,} households ==")
        print(f"seed: {r['seed_s']:.1f} s ({r['persons'] / r['seed_s']:,.0f} persons/s incl. generation); "
              f"migrate {r['migrate_s']:.1f} s; peak RSS {r['peak_rss_mb']:.0f} MB")
        print(f"{'scenario':36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
        for name, s in r["results"].items():
            print(f"{name:36} {s['p50']:8.1f} {s['p95']:8.1f} {s['max']:8.1f} {s['queries']:8d}")


if __name__ == "__main__":
    main()
