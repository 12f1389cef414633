from django.core.management.base import BaseCommand, CommandError

from fupin.batch.seed import generate


class Command(BaseCommand):
    help = "生成演示县（虚构）：约10个乡镇、120个行政村、3万户、10万人；--persons 可扩大到百万人用于基准测试"

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=100_000, help="人数（默认100000）")
        parser.add_argument("--townships", type=int, default=10)
        parser.add_argument("--villages", type=int, default=120)
        parser.add_argument("--seed", type=int, default=20261122, help="随机种子（相同种子生成相同数据）")

    def handle(self, *args, persons, townships, villages, seed, **options):
        if persons < 1 or townships < 1 or villages < townships:
            raise CommandError("参数无效：人数须大于0，行政村数不能少于乡镇数")
        try:
            result = generate(persons=persons, townships=townships, villages=villages, seed=seed,
                              progress=lambda m: self.stdout.write(m))
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(result.summary()))
