"""Background tasks (django-tasks; run by ``fupin worker``, or at once where the immediate backend is set)."""

from __future__ import annotations

from django_tasks import task

from .models import ImportBatch
from .services import batch_load, batch_validate


@task()
def validate_import(batch_id: str) -> str:
    return batch_validate(ImportBatch.objects.get(pk=batch_id)).status


@task()
def load_import(batch_id: str) -> str:
    return batch_load(ImportBatch.objects.get(pk=batch_id)).status
