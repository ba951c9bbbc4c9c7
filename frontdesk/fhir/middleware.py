"""CORS for the FHIR API and the OAuth token endpoint, so patient-facing SMART apps that run in a
browser (public clients with PKCE) can call them from their own origin.

Any origin may call: these endpoints take no cookies, only a Bearer token or client credentials in
the request, so a cross-origin page gains nothing a direct client could not do. Sessions never
apply here (`Access-Control-Allow-Credentials` is never sent), and `/auth/authorize/` — the one
page that uses the patient's portal session — is a navigation, not a CORS request, so it is left
out. Preflight requests are answered here, before any view.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

#: Paths whose responses other origins may read.
PREFIXES = ("/fhir/", "/auth/token/", "/auth/smart-style.json")
ALLOW_METHODS = "GET, POST, PUT, OPTIONS"
ALLOW_HEADERS = "Authorization, Content-Type, Accept, Prefer, If-Unmodified-Since"
#: Response headers a script may read beyond the CORS-safelisted ones.
EXPOSE_HEADERS = "Location, Last-Modified, Retry-After, WWW-Authenticate"
MAX_AGE = "86400"


class CorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIXES) or "Origin" not in request.headers:
            return self.get_response(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ALLOW_METHODS
            response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            response["Access-Control-Max-Age"] = MAX_AGE
        else:
            response = self.get_response(request)
            response["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
        response["Access-Control-Allow-Origin"] = "*"
        return response
