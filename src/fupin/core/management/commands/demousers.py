from django.core.management.base import BaseCommand, CommandError

from fupin.accounts.services import demo_users_create
from fupin.core.errors import ApplicationError


class Command(BaseCommand):
    help = "为演示县的每个角色创建一个用户，并打印登录名和密码"

    def handle(self, *args, **options):
        try:
            rows = demo_users_create()
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write("演示用户（仅用于演示，请勿在正式环境使用）：")
        self.stdout.write(f"  {'用户名':<8}{'密码':<20}{'角色':<12}区划")
        for username, password, role, area in rows:
            self.stdout.write(f"  {username:<10}{password:<22}{role:<12}{area}")
