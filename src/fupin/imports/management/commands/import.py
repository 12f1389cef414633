"""``fupin import FILE``: validate and load a person-layout file (our template or a national-system export)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fupin.accounts.models import User
from fupin.core import context
from fupin.core.errors import ApplicationError
from fupin.core.jobs import job_run
from fupin.imports.services import LAYOUTS, default_income_year, layout_of, run_import


class Command(BaseCommand):
    help = ("导入农户和成员（本系统模板或国家系统导出的监测对象/基础信息），以及国家系统导出的户信息（乡村建设）、"
            "务工信息和行政村信息：全部校验通过才写入，出错不留任何改动")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--format", choices=["auto", "template", "national"], default="auto",
                            help="template或national：按监测对象/基础信息（一人一行）导入，不识别其他文件（默认按表头识别）")
        parser.add_argument("--layout", choices=list(LAYOUTS), default="auto",
                            help="文件内容：" + "；".join(f"{k}={v}" for k, v in LAYOUTS.items())
                            + "（默认按表头识别；两种务工文件按文件名或工作表名中是否有“计划”区分）")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告，不写入")
        parser.add_argument("--skip-bad-rows", action="store_true", help="跳过有错误的户，导入其余各户")
        parser.add_argument("--income-year", type=int, default=None,
                            help="收入所属年度（文件没有“收入年度”列时使用；默认按当前日期推算）")
        parser.add_argument("--user", default=None, help="以该用户的身份和管辖范围导入（默认：系统，全部范围）")
        parser.add_argument("--show", type=int, default=30, help="最多列出多少条问题")

    def handle(self, *args, **opts):
        from fupin.batch import bulkload

        bulkload.SQLITE_ADBC_ALLOWED = True  # a single-connection process: the fast SQLite path is safe
        actor = None
        if opts["user"]:
            actor = User.objects.filter(username=opts["user"]).first()
            if actor is None:
                raise CommandError(f"用户“{opts['user']}”不存在")
        income_year = opts["income_year"] or default_income_year()
        layout = opts["layout"]
        if opts["format"] != "auto":
            if layout not in ("auto", "persons"):
                raise CommandError(f"--format {opts['format']} 只用于监测对象/基础信息，与 --layout {layout} 矛盾")
            layout = layout_of(opts["format"])
        failed = False
        for path in opts["files"]:
            if not path.exists():
                raise CommandError(f"文件不存在：{path}")
            self.stdout.write(f"== {path}")

            def progress(message, pct):
                self.stdout.write(f"  [{pct:3d}%] {message}")
                self.stdout.flush()

            try:
                with job_run(kind="import.load" if not opts["dry_run"] else "import.validate", user=actor,
                             params={"file": str(path), "dry_run": opts["dry_run"]}) as job, \
                        context.job_scope(job.id):
                    out = run_import(path, actor=actor, income_year=income_year, dry_run=opts["dry_run"],
                                     skip_bad_rows=opts["skip_bad_rows"], progress=progress,
                                     layout=layout)
                    job.result = {"loaded": out.loaded, **out.counts, "logged": out.logged}
            except ApplicationError as exc:
                raise CommandError(exc.message) from None
            self._report(out, opts["show"])
            if out.error_rows and not opts["skip_bad_rows"]:
                failed = True
        if failed:
            sys.exit(1)

    def _report(self, out, show: int) -> None:
        c = out.counts
        w = self.stdout.write
        w(f"  读取{out.rows_read}行（表头在第{out.header_row}行{'，工作表' + out.sheet if out.sheet else ''}"
          f"{'，编码' + out.encoding if out.encoding else ''}）")
        if out.layout != "persons":
            w(f"  {out.layout_title}：新增{c.get('records_new', 0)}，变更{c.get('records_changed', 0)}，"
              f"未变{c.get('records_unchanged', 0)}")
        else:
            self._person_counts(c)
        self._rest(out, show)

    def _person_counts(self, c) -> None:
        w = self.stdout.write
        w(f"  农户：新增{c.get('households_new', 0)}，变更{c.get('households_changed', 0)}，"
          f"未变{c.get('households_unchanged', 0)}；成员：新增{c.get('persons_new', 0)}，变更{c.get('persons_changed', 0)}，"
          f"未变{c.get('persons_unchanged', 0)}；收入：新增{c.get('incomes_new', 0)}，变更{c.get('incomes_changed', 0)}")

    def _rest(self, out, show: int) -> None:
        w = self.stdout.write
        if out.missing_households is not None and out.missing_households.height:
            w(f"  文件中没有、系统中在册的农户{out.missing_households.height}户（未删除，请核实）："
              + "、".join(out.missing_households["number"].head(10).to_list())
              + ("等" if out.missing_households.height > 10 else ""))
        if out.missing_members is not None and out.missing_members.height:
            w(f"  文件中没有、系统中在户的成员{out.missing_members.height}人（未删除，请核实）")
        if out.ignored_headers:
            w("  未识别、已忽略的列：" + "、".join(out.ignored_headers))
        if out.problems is not None and out.problems.height:
            w(f"  有错误的行：{out.error_rows}；提示：{out.warning_count}")
            for r in out.problems.head(show).iter_rows(named=True):
                level = "错误" if r["severity"] == "error" else "提示"
                w(f"    第{r['_row']}行 [{r['column']}] {level}：{r['message']}")
            if out.problems.height > show:
                w(f"    ……共{out.problems.height}条")
        if out.loaded:
            w(self.style.SUCCESS(f"  已导入，变更记录{out.logged}条，用时"
                                 + "，".join(f"{k} {v:.1f}s" for k, v in out.seconds.items())))
        elif out.error_rows:
            w(self.style.ERROR("  未导入任何数据：请修正错误后重新导入，或使用 --skip-bad-rows 跳过有错误的户"))
        else:
            w("  校验完成（--dry-run，未写入）")
