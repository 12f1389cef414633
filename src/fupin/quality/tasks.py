"""Background runs (django-tasks; ``fupin worker``, or at once where the immediate backend is set)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from fupin.accounts.models import User
from fupin.core.jobs import job_run
from fupin.core.models import Job


@task()
def run_quality(job_id: str, user_id: int | None, area_code: str, rule_codes: list[str], check_date: str) -> int:
    from fupin.imports.services import _in_worker

    from . import services

    actor = User.objects.filter(pk=user_id).first() if user_id else None
    pending = Job.objects.get(pk=job_id)

    def step(message: str, pct: int) -> None:
        from fupin.batch.bulkload import Writer

        if not Writer.active:
            Job.objects.filter(pk=pending.pk).update(progress=pct, message=message)

    with job_run(kind="quality.run", user=actor, params=pending.params, area_code=area_code) as job:
        Job.objects.filter(pk=pending.pk).update(status=Job.Status.RUNNING, message="运行中")
        try:
            run = services.quality_run(actor=actor, area_code=area_code, rule_codes=rule_codes or None,
                                       check_date=dt.date.fromisoformat(check_date), job=pending, progress=step,
                                       sqlite_adbc=_in_worker())
        except Exception as exc:
            Job.objects.filter(pk=pending.pk).update(status=Job.Status.FAILED, message=str(exc)[:500])
            raise
        job.result = {"run": run.pk}
    Job.objects.filter(pk=pending.pk).update(status=Job.Status.SUCCEEDED, progress=100, message="完成",
                                             result={"run": run.pk})
    return run.pk
