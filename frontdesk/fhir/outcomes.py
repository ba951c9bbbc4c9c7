"""FHIR JSON responses and OperationOutcome errors with Canvas's codes and texts.

Canvas (reference §0): 400 invalid "Bad request", 401 unknown "Authentication failed",
403 forbidden "Authorization failed", 404 not-found "Unknown <Type> resource '<id>'",
405 not-supported "Operation is not supported", 412 conflict, 422 business-rule.
The specific reason, when there is one, goes in `diagnostics` so the texts stay Canvas's.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

CONTENT_TYPE = "application/fhir+json"


class FhirResponse(HttpResponse):
    """A FHIR JSON body with the `application/fhir+json` content type."""

    def __init__(self, body: dict[str, Any], *, status: int = 200) -> None:
        super().__init__(
            json.dumps(body, separators=(",", ":"), ensure_ascii=False),
            content_type=f"{CONTENT_TYPE}; charset=utf-8",
            status=status,
        )


def operation_outcome(*, code: str, text: str, diagnostics: str = "", element: str = "") -> dict[str, Any]:
    """Return an OperationOutcome with one error issue; `element` (a FHIRPath) goes in `expression`."""
    issue: dict[str, Any] = {"severity": "error", "code": code, "details": {"text": text}}
    if diagnostics:
        issue["diagnostics"] = diagnostics
    if element:
        issue["expression"] = [element]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def error(status: int, *, code: str, text: str, diagnostics: str = "", element: str = "") -> FhirResponse:
    return FhirResponse(
        operation_outcome(code=code, text=text, diagnostics=diagnostics, element=element), status=status
    )


def bad_request(diagnostics: str, *, element: str = "") -> FhirResponse:
    return error(400, code="invalid", text="Bad request", diagnostics=diagnostics, element=element)


def business_rule(text: str, *, element: str = "") -> FhirResponse:
    """422: Canvas puts the reason in the text (e.g. "This appointment time is no longer available.")."""
    return error(422, code="business-rule", text=text, element=element)


def unauthorized(diagnostics: str, *, token_given: bool) -> FhirResponse:
    """401 with the RFC 6750 challenge (`error="invalid_token"` when a token was sent)."""
    response = error(401, code="unknown", text="Authentication failed", diagnostics=diagnostics)
    challenge = 'Bearer realm="frontdesk"'
    if token_given:
        challenge += ', error="invalid_token"'
    response["WWW-Authenticate"] = challenge
    return response


def forbidden(diagnostics: str) -> FhirResponse:
    return error(403, code="forbidden", text="Authorization failed", diagnostics=diagnostics)


def not_found(resource_type: str, resource_id: str) -> FhirResponse:
    return error(404, code="not-found", text=f"Unknown {resource_type} resource '{resource_id}'")


def unknown_type(resource_type: str) -> FhirResponse:
    return error(
        404,
        code="not-supported",
        text="Operation is not supported",
        diagnostics=f"Unknown resource type '{resource_type}'",
    )


def not_supported(diagnostics: str = "") -> FhirResponse:
    return error(405, code="not-supported", text="Operation is not supported", diagnostics=diagnostics)


def precondition_failed(diagnostics: str = "") -> FhirResponse:
    """412: the resource changed after the client's If-Unmodified-Since date (Canvas's text)."""
    return error(412, code="conflict", text="Resource updated since If-Unmodified-Since date", diagnostics=diagnostics)
