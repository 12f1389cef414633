"""``fupin quality run``: evaluate the rule catalogue over an area subtree and update the problem list."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from fupin.accounts.models import User
from fupin.areas.models import Area
from fupin.core.errors import ApplicationError
from fupin.core.jobs import job_run


class Command(BaseCommand):
    help = "数据质量核查：fupin quality run [--area 区划代码] [--rules 编号,...] [--check-date YYYY-MM-DD] [--json]"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="运行规则，更新问题清单")
        run.add_argument("--area", default=None, help="区划代码（默认：全部省级区划）")
        run.add_argument("--rules", default="", help="只运行这些规则，逗号分隔（默认：全部启用的规则）")
        run.add_argument("--check-date", default=None, help="核查基准日 YYYY-MM-DD（年龄按此日计算；默认今天）")
        run.add_argument("--json", action="store_true", help="每条问题输出一行 JSON，最后一行为各规则计数")
        run.add_argument("--user", default=None, help="以该用户身份和范围运行（默认：系统）")
        sub.add_parser("rules", help="列出规则目录")

    def handle(self, *args, **opts):
        if opts["action"] == "rules":
            return self._rules()
        from fupin.batch import bulkload

        bulkload.SQLITE_ADBC_ALLOWED = True  # a single-connection process: the fast SQLite path is safe
        check_date = None
        if opts["check_date"]:
            try:
                check_date = dt.date.fromisoformat(opts["check_date"])
            except ValueError:
                raise CommandError(f"核查基准日应为 YYYY-MM-DD 格式，而不是“{opts['check_date']}”") from None
        actor = None
        if opts["user"]:
            actor = User.objects.filter(username=opts["user"]).first()
            if actor is None:
                raise CommandError(f"用户“{opts['user']}”不存在")
        if opts["area"]:
            if not Area.objects.filter(code=opts["area"]).exists():
                raise CommandError(f"区划代码{opts['area']}不存在")
            areas = [opts["area"]]
        else:
            areas = list(Area.objects.filter(level=1).values_list("code", flat=True))
        rule_codes = [c.strip() for c in opts["rules"].split(",") if c.strip()] or None
        findings = []
        from fupin.quality import services

        for area in areas:
            try:
                with job_run(kind="quality.run", user=actor, params={"area": area, "rules": rule_codes or []},
                             area_code=area) as job:
                    run = services.quality_run(actor=actor, area_code=area, rule_codes=rule_codes,
                                               check_date=check_date, job=job, collect=findings)
                    job.result = {"run": run.pk, "findings": run.findings}
            except ApplicationError as exc:
                raise CommandError(exc.message) from None
            if not opts["json"]:
                self.stdout.write(
                    f"区划{area}：{run.households}户{run.persons}人，发现问题{run.findings}条"
                    f"（新增{run.outcome.get('new', 0)}，再次发现{run.outcome.get('reopened', 0)}，"
                    f"已整改{run.outcome.get('fixed', 0)}，豁免失效{run.outcome.get('lapsed', 0)}）；"
                    f"耗时：快照{run.timings['snapshot']}秒，规则{run.timings['rules']}秒，写入{run.timings['write']}秒")
                for code, n in sorted(run.counts.items(), key=lambda kv: -kv[1]):
                    rule = services.catalogue.CATALOGUE[code]
                    self.stdout.write(f"  {code:<10} {n:>8}  {rule.title}")
        if opts["json"]:
            self._json(findings)

    def _json(self, parts) -> None:
        out = self.stdout  # call_command(stdout=...) captures it; on the console it is sys.stdout
        counts: dict[str, int] = {}
        for f in parts:
            for row in f.select("rule", "level", "village_id", "household_number", "id_number", "message").iter_rows():
                rule, level, area, number, idn, message = row
                counts[rule] = counts.get(rule, 0) + 1
                out.write(json.dumps({"rule": rule, "level": level, "area_code": area, "household_number": number or None,
                                      "id_number": idn if level == "person" else None, "message": message},
                                     ensure_ascii=False) + "\n")
        out.write(json.dumps({"summary": {"total": sum(counts.values()), "by_rule": dict(sorted(counts.items()))}},
                             ensure_ascii=False) + "\n")

    def _rules(self) -> None:
        from fupin.quality import catalogue

        for r in catalogue.CATALOGUE.values():
            params = "，".join(f"{p.label}={p.show(p.default)}" for p in r.params)
            self.stdout.write(f"{r.code:<10} {r.family:<12} {r.level_label} {r.severity_label} {r.applies_label:<10} "
                              f"{r.title}{('  [' + params + ']') if params else ''}")
