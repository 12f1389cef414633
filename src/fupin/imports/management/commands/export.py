"""``fupin export``: the person list of an area in our template or the national layout, as XLSX or CSV."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fupin.accounts.models import User
from fupin.accounts.scoping import has_perm
from fupin.core.models import AccessLog
from fupin.imports import exports


class Command(BaseCommand):
    help = "导出人员信息（本系统模板或国家系统格式），每次导出都记入访问日志"

    def add_arguments(self, parser):
        parser.add_argument("--layout", choices=["template", "national"], default="national")
        parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--user", default=None, help="以该用户的范围和脱敏规则导出（默认：系统，全部、不脱敏）")

    def handle(self, *args, **opts):
        actor = None
        if opts["user"]:
            actor = User.objects.filter(username=opts["user"]).first()
            if actor is None:
                raise CommandError(f"用户“{opts['user']}”不存在")
        # The system (no user) exports everything unmasked; a user gets what their roles allow.
        show_ids = actor is None or has_perm(actor, "registry.view_id")
        show_contact = actor is None or has_perm(actor, "registry.view_contact")
        from fupin.batch import bulkload

        bulkload.SQLITE_ADBC_ALLOWED = True  # a single-connection process: SQLite may be read through ADBC
        t = time.monotonic()
        # Read, formatted and written a batch at a time: a million persons in bounded memory.
        batches = exports.person_batches(user=actor, layout=opts["layout"], show_ids=show_ids,
                                         show_contact=show_contact)
        path, rows = exports.write_batches(batches, fmt=opts["format"])
        shutil.move(path, opts["out"])
        AccessLog.objects.create(user=actor, user_name=getattr(actor, "username", "system"),
                                 action=AccessLog.Action.EXPORT, object_type=f"persons:{opts['layout']}",
                                 row_count=rows, unmasked=show_ids or show_contact,
                                 fields="证件号码,联系电话" if show_ids or show_contact else "")
        self.stdout.write(f"已导出{rows}人到{opts['out']}，用时{time.monotonic() - t:.1f}秒")
