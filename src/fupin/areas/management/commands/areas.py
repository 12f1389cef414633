from django.core.management.base import BaseCommand, CommandError

from fupin.areas.services import AreaImportError, areas_import_paths
from fupin.core.context import job_scope
from fupin.core.errors import ApplicationError
from fupin.core.jobs import job_run


class Command(BaseCommand):
    help = "区划管理。fupin areas import 文件.csv ...：导入统计用区划代码（列 code、name；UTF-8 或 GBK）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="导入区划代码 CSV 文件")
        imp.add_argument("files", nargs="+")
        imp.add_argument("--skip-bad-rows", action="store_true", help="跳过错误行，导入其余行（默认有错误则全部不导入）")

    def handle(self, *args, action, files, skip_bad_rows, **options):
        for f in files:
            try:
                open(f, "rb").close()
            except OSError as exc:
                raise CommandError(f"无法读取文件 {f}：{exc.strerror}") from None
        try:
            with job_run(kind="areas_import", user=None, params={"files": files, "skip_bad_rows": skip_bad_rows}) as job:
                with job_scope(job.id):
                    report = areas_import_paths(actor=None, paths=files, skip_bad_rows=skip_bad_rows)
                job.result = {"created": report.created, "updated": report.updated, "unchanged": report.unchanged,
                              "errors": [str(e) for e in report.errors]}
        except AreaImportError as exc:
            raise CommandError(exc.message) from None
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        for err in report.errors:
            self.stderr.write(f"已跳过：{err}")
        self.stdout.write(self.style.SUCCESS(report.summary()))
