"""Who is acting and under which request or job: read by the change log so every write carries them."""

from __future__ import annotations

import contextlib
import contextvars
import uuid

_request_id: contextvars.ContextVar[uuid.UUID | None] = contextvars.ContextVar("fupin_request_id", default=None)
_job_id: contextvars.ContextVar[uuid.UUID | None] = contextvars.ContextVar("fupin_job_id", default=None)


def request_id() -> uuid.UUID | None:
    return _request_id.get()


def job_id() -> uuid.UUID | None:
    return _job_id.get()


@contextlib.contextmanager
def request_scope(rid: uuid.UUID | None = None):
    token = _request_id.set(rid or uuid.uuid4())
    try:
        yield _request_id.get()
    finally:
        _request_id.reset(token)


@contextlib.contextmanager
def job_scope(jid: uuid.UUID):
    token = _job_id.set(jid)
    try:
        yield jid
    finally:
        _job_id.reset(token)
