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


#: SMART App Launch capabilities, exactly those implemented (reference §0 lists Canvas's superset).
SMART_CAPABILITIES = (
    "launch-standalone",
    "client-public",
    "client-confidential-symmetric",
    "context-standalone-patient",
    "context-banner",
    "context-style",
    "permission-patient",
    "permission-offline",
    "permission-v1",
)

#: The style an app may use to look like the portal (`smart_style_url` in patient token responses).
SMART_STYLE = {
    "color_background": "#ffffff",
    "color_error": "#b42318",
    "color_highlight": "#0b6e69",
    "color_modal_backdrop": "",
    "color_success": "#067647",
    "color_text": "#1f2933",
    "dim_border_radius": "6px",
    "dim_font_size": "16px",
    "dim_spacing_size": "16px",
    "font_family_body": "system-ui, sans-serif",
    "font_family_heading": "system-ui, sans-serif",
}


def smart_configuration_document(*, issuer: str, authorize_url: str, token_url: str) -> Json:
    """Return `.well-known/smart-configuration` for the FHIR base `issuer` (SMART App Launch 1/2)."""
    return {
        "issuer": issuer,
        "authorization_endpoint": authorize_url,
        "token_endpoint": token_url,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": [
            "launch/patient",
            "offline_access",
            "patient/*.read",
            "patient/*.write",
            "patient/*.*",
            "system/*.read",
            "system/*.write",
            "system/*.*",
        ],
        "capabilities": list(SMART_CAPABILITIES),
    }


def capability_statement(*, base_url: str, token_url: str, date: str, authorize_url: str = "") -> Json:
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
    oauth_uris = [{"url": "token", "valueUri": token_url}]
    if authorize_url:
        oauth_uris.append({"url": "authorize", "valueUri": authorize_url})
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
                    "extension": [{"url": OAUTH_URIS, "extension": oauth_uris}],
                    "service": [
                        {"coding": [{"system": SECURITY_SYSTEM, "code": "OAuth"}], "text": "OAuth2"},
                        {"coding": [{"system": SECURITY_SYSTEM, "code": "SMART-on-FHIR"}], "text": "SMART App Launch"},
                    ],
                    "description": "Backend clients: POST client_id and client_secret with "
                    "grant_type=client_credentials to the token URL (system/<Type>.<read|write|*> scopes, or "
                    "patient=<id> with patient/<Type>.<read|write|*> scopes). Patient-facing apps: SMART "
                    "standalone launch, authorization code with PKCE (S256) at the authorize URL; see "
                    ".well-known/smart-configuration. Send the token as `Authorization: Bearer <token>`.",
                },
                "resource": resources,
            }
        ],
    }
