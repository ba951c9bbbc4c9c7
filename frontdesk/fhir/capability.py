"""The CapabilityStatement, generated from the resource registry so it lists exactly what is served."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from frontdesk.fhir.resources import Json, registry

SECURITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/restful-security-service"
OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"


def _software_version() -> str:
    try:
        return version("frontdesk")
    except PackageNotFoundError:  # pragma: no cover - running from a tree that was never installed
        return "0"


def capability_statement(*, base_url: str, token_url: str, date: str) -> Json:
    """Return the CapabilityStatement for the server at `base_url` (absolute, ends without "/")."""
    resources = []
    for resource in registry().values():
        entry: Json = {
            "type": resource.name,
            "interaction": [{"code": code} for code in resource.interactions],
        }
        if resource.search_params:
            entry["searchParam"] = [
                {"name": p.name, "type": p.type, "documentation": p.documentation} for p in resource.search_params
            ]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "publisher": "frontdesk",
        "kind": "instance",
        "software": {"name": "frontdesk", "version": _software_version()},
        "implementation": {"description": "frontdesk FHIR R4 API", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "extension": [{"url": OAUTH_URIS, "extension": [{"url": "token", "valueUri": token_url}]}],
                    "service": [
                        {"coding": [{"system": SECURITY_SYSTEM, "code": "OAuth"}], "text": "OAuth2 client credentials"}
                    ],
                    "description": "POST client_id and client_secret with grant_type=client_credentials to the token URL; "
                    "send the token as `Authorization: Bearer <token>`. Scopes: system/<Type>.<read|write|*>.",
                },
                "resource": resources,
            }
        ],
    }
