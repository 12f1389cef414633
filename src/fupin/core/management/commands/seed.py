from django.core.management.base import BaseCommand, CommandError

from fupin.batch.seed import generate
from fupin.core.jobs import job_run


class Command(BaseCommand):
    help = "生成演示县（虚构）：约10个乡镇、120个行政村、3万户、10万人；--persons 可扩大到百万人用于基准测试"

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=100_000, help="人数（默认100000）")
        parser.add_argument("--townships", type=int, default=10)
        parser.add_argument("--villages", type=int, default=120)
        parser.add_argument("--seed", type=int, default=20261122, help="随机种子（相同种子生成相同数据）")
        parser.add_argument("--if-empty", action="store_true", help="库中已有农户时跳过（不报错）")

    def handle(self, *args, persons, townships, villages, seed, if_empty, **options):
        from fupin.batch import bulkload

        bulkload.SQLITE_ADBC_ALLOWED = True  # a single-connection process: the fast SQLite path is safe
        from fupin.registry.models import Household

        if if_empty and Household.objects.exists():
            self.stdout.write("库中已有农户数据，跳过生成演示数据。")
            return
        if persons < 1 or townships < 1 or villages < townships:
            raise CommandError("参数无效：人数须大于0，行政村数不能少于乡镇数")
        if townships > 899 or villages > townships * 798:
            raise CommandError("参数无效：乡镇最多899个（乡镇代码三位），每个乡镇最多798个行政村（村代码三位）")
        try:
            with job_run(kind="seed", user=None, params={"persons": persons, "townships": townships,
                                                         "villages": villages, "seed": seed}) as job:
                result = generate(persons=persons, townships=townships, villages=villages, seed=seed,
                                  progress=lambda m: self.stdout.write(m))
                job.result = {"households": result.households, "persons": result.persons,
                              "seconds": round(result.seconds, 2)}
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(result.summary()))
