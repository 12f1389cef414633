"""Background runs (django-tasks; ``fupin worker``, or at once where the immediate backend is set)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from fupin.accounts.models import User
from fupin.core.models import Job


@task()
def run_quality(job_id: str, user_id: int | None, area_code: str, rule_codes: list[str], check_date: str) -> int:
    """Run the catalogue for the job the page or API created; the job row carries progress and the run's id."""
    from fupin.batch.bulkload import Writer

    from . import services

    actor = User.objects.filter(pk=user_id).first() if user_id else None
    job = Job.objects.get(pk=job_id)

    def step(message: str, pct: int) -> None:
        if not Writer.active:  # no other write while the problem list is being written
            Job.objects.filter(pk=job.pk).update(progress=pct, message=message)

    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now(), message="运行中")
    try:
        run = services.quality_run(actor=actor, area_code=area_code, rule_codes=rule_codes or None,
                                   check_date=dt.date.fromisoformat(check_date), job=job, progress=step)
    except Exception as exc:
        Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, finished_at=timezone.now(),
                                             message=str(getattr(exc, "message", exc))[:500])
        raise
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED, finished_at=timezone.now(), progress=100,
                                         message="完成", result={"run": run.pk})
    return run.pk
