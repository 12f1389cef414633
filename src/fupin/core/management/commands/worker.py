"""``fupin worker``: run background jobs (imports now; rule runs and reports later) from the database queue."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "运行后台任务（导入、批量校验等）；与网页服务同时运行"

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="处理完队列中的任务后退出")

    def handle(self, *args, **opts):
        from fupin.batch import bulkload

        bulkload.SQLITE_ADBC_ALLOWED = True  # a single-connection process: the fast SQLite path is safe
        call_command("db_worker", batch=opts["batch"], interval=1)
