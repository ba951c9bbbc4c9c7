"""Put the client address and a request id where `audit.services.record` can find them."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from frontdesk.audit.services import RequestContext, client_address, request_context


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_context.set(RequestContext(ip=client_address(request), request_id=str(uuid.uuid4())))
        try:
            return self.get_response(request)
        finally:
            request_context.reset(token)
