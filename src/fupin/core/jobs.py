"""Job rows for long work run in-process (CLI commands, the seed). Background execution through a worker comes
with the import issue; the row and its lifecycle are the same."""

from __future__ import annotations

import contextlib

from django.utils import timezone

from .models import Job


@contextlib.contextmanager
def job_run(*, kind: str, user, params: dict | None = None, area_code: str = ""):
    """Record a job around a block: running → succeeded, or failed with the error message."""
    job = Job.objects.create(kind=kind, user=user if getattr(user, "pk", None) else None, params=params or {},
                             area_code=area_code, status=Job.Status.RUNNING, started_at=timezone.now())
    try:
        yield job
    except BaseException as exc:
        Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, finished_at=timezone.now(),
                                             message=str(exc)[:500])
        raise
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED, finished_at=timezone.now(), progress=100,
                                         result=job.result)
