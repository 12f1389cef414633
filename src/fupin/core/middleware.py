from __future__ import annotations

from . import context


class RequestContextMiddleware:
    """Give each request a UUID (also returned as ``X-Request-ID``) so its changes can be grouped."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with context.request_scope() as rid:
            request.id = rid
            response = self.get_response(request)
            response["X-Request-ID"] = str(rid)
            return response
