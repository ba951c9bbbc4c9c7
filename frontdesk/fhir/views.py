"""The token endpoint and the FHIR endpoints. Thin: parse, authenticate, check the scope, call the
resource module, serialize."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import unquote_plus

from django.contrib.auth.hashers import make_password
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from frontdesk.audit.services import Actor
from frontdesk.fhir import outcomes, services
from frontdesk.fhir.capability import capability_statement
from frontdesk.fhir.models import TOKEN_LIFETIME, AccessToken, OAuthClient, token_digest
from frontdesk.fhir.outcomes import FhirResponse
from frontdesk.fhir.resources import BusinessRule, Invalid, Json, ResourceType, registry
from frontdesk.fhir.scopes import InvalidScope, access_for, allows, format_scopes, parse_scopes
from frontdesk.fhir.search import SearchError, parse_page, parse_params, searchset

log = logging.getLogger(__name__)

FhirView = Callable[..., HttpResponse]


# --- OAuth2 token endpoint (RFC 6749 §4.4, client credentials) -------------------------------


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _oauth_error(exc: OAuthError) -> HttpResponse:
    response = JsonResponse({"error": exc.error, "error_description": exc.description}, status=exc.status)
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Basic realm="frontdesk"'
    return _no_store(response)


def _client_credentials(request: HttpRequest) -> tuple[str, str]:
    """Return (client_id, client_secret) from HTTP Basic or the form (one method, not both)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    form_id = request.POST.get("client_id", "")
    form_secret = request.POST.get("client_secret", "")
    if header[:6].lower() == "basic ":
        if form_secret:
            raise OAuthError("invalid_request", "Use one client authentication method, not both.")
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "Malformed Basic credentials.", 401) from None
        client_id, sep, secret = decoded.partition(":")
        if not sep:
            raise OAuthError("invalid_client", "Malformed Basic credentials.", 401)
        # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
        client_id, secret = unquote_plus(client_id), unquote_plus(secret)
        if form_id and form_id != client_id:
            raise OAuthError("invalid_request", "client_id differs from the Basic credentials.")
        return client_id, secret
    if not form_id or not form_secret:
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    return form_id, form_secret


def _authenticate_client(client_id: str, secret: str) -> OAuthClient:
    client = OAuthClient.objects.filter(client_id=client_id).first()
    if client is None:
        make_password(secret)  # spend the same time as a real check: do not reveal which ids exist
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    if not client.check_secret(secret) or not client.is_active:
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    return client


def _issue(request: HttpRequest) -> HttpResponse:
    for key in request.POST:
        if len(request.POST.getlist(key)) > 1:
            raise OAuthError("invalid_request", f"{key} is given more than once.")
    grant_type = request.POST.get("grant_type", "")
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required.")
    if grant_type != "client_credentials":
        raise OAuthError(
            "unsupported_grant_type", f"grant_type {grant_type!r} is not supported; use client_credentials."
        )
    client = _authenticate_client(*_client_credentials(request))
    if "patient" in request.POST:
        raise OAuthError("invalid_request", "Patient-scoped tokens are not supported yet.")
    try:
        requested = parse_scopes(request.POST.get("scope", ""))
    except InvalidScope as exc:
        raise OAuthError("invalid_scope", f"{exc} is not a scope of the form system/<Type>.<read|write|*>.") from None
    try:
        issued = services.issue_access_token(
            actor=Actor.system(f"oauth-client:{client.client_id}"), client=client, requested=requested
        )
    except services.ScopeNotAllowed:
        raise OAuthError("invalid_scope", "The requested scope is more than this client is allowed.") from None
    body = {
        "access_token": issued.raw,
        "token_type": "Bearer",
        "expires_in": int(TOKEN_LIFETIME.total_seconds()),
        "scope": issued.token.scope,
    }
    return _no_store(JsonResponse(body))


@csrf_exempt
def token(request: HttpRequest) -> HttpResponse:
    """POST /auth/token/: issue an access token to a client (client credentials grant)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        return _issue(request)
    except OAuthError as exc:
        log.info("token request refused: %s (%s)", exc.error, exc.description)
        return _oauth_error(exc)


# --- FHIR API -------------------------------------------------------------------------------------


def _bearer_token(request: HttpRequest) -> AccessToken | HttpResponse:
    """Return the request's usable access token, or the 401 to answer with."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return outcomes.unauthorized("Send an access token: Authorization: Bearer <token>.", token_given=False)
    access_token = AccessToken.objects.select_related("client").filter(digest=token_digest(raw.strip())).first()
    if access_token is None or not access_token.is_usable(timezone.now()):
        return outcomes.unauthorized("The access token is invalid, expired or revoked.", token_given=True)
    return access_token


def fhir_interaction(interaction: str) -> Callable[[FhirView], FhirView]:
    """Guard a view on `<Type>` URLs: a usable Bearer token (401), a served type (404), an
    interaction the type supports (405) and a scope covering it (403), in that order.

    The view is called with the ResourceType in place of the `resource_type` URL argument and
    the Actor (the token's client) that its writes are recorded under.
    """
    access = access_for(interaction)

    def decorator(view: FhirView) -> FhirView:
        @wraps(view)
        def wrapped(request: HttpRequest, resource_type: str, **kwargs: Any) -> HttpResponse:
            access_token = _bearer_token(request)
            if isinstance(access_token, HttpResponse):
                return access_token
            resource = registry().get(resource_type)
            if resource is None:
                return outcomes.unknown_type(resource_type)
            if interaction not in resource.interactions:
                return outcomes.not_supported(f"{resource_type} does not support {interaction}.")
            if not allows(access_token.scopes, resource_type=resource_type, interaction=interaction):
                needed = f"system/{resource_type}.{access}"
                return outcomes.forbidden(
                    f"This token's scope ({format_scopes(access_token.scopes)}) does not include {needed}."
                )
            actor = Actor.system(f"oauth-client:{access_token.client.client_id}")
            return view(request, resource, actor, **kwargs)

        return wrapped

    return decorator


@fhir_interaction("read")
def _read(request: HttpRequest, resource: ResourceType, actor: Actor, resource_id: str) -> HttpResponse:
    assert resource.read is not None  # noqa: S101 - every type declaring "read" has a reader
    body = resource.read(resource_id)
    if body is None:
        return outcomes.not_found(resource.name, resource_id)
    if resource.audit is not None:
        resource.audit(actor, [body])
    return FhirResponse(body)


@fhir_interaction("search-type")
def _search(request: HttpRequest, resource: ResourceType, actor: Actor) -> HttpResponse:
    assert resource.search is not None  # noqa: S101 - every type declaring "search-type" has a search
    try:
        page = parse_page(request.GET)
        result = resource.search(parse_params(request.GET, resource.search_params), page)
    except SearchError as exc:
        return outcomes.bad_request(str(exc))
    if resource.audit is not None:
        resource.audit(actor, result.resources)
    base = request.build_absolute_uri(reverse("fhir_type", args=[resource.name])).rsplit("/", 1)[0]
    full_url = (lambda r: f"{base}/{r['resourceType']}/{r['id']}") if "read" in resource.interactions else None
    return FhirResponse(
        searchset(
            resource_type=resource.name,
            query=request.GET,
            page=page,
            total=result.total,
            resources=result.resources,
            full_url=full_url,
        )
    )


def _body(request: HttpRequest) -> Json:
    """Return the request's JSON object. Raises Invalid when it is not one."""
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise Invalid("", "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise Invalid("", "The body must be a JSON object (a FHIR resource).")
    return body


def _wants_representation(request: HttpRequest) -> bool:
    """Canvas answers writes with a null body; `Prefer: return=representation` asks for the resource."""
    prefs = [p.strip().lower() for p in request.headers.get("Prefer", "").split(",")]
    return "return=representation" in prefs


def _write_error(exc: Invalid | BusinessRule) -> HttpResponse:
    if isinstance(exc, Invalid):
        return outcomes.bad_request(exc.message, element=exc.element)
    return outcomes.business_rule(exc.text, element=exc.element)


@fhir_interaction("create")
def _create(request: HttpRequest, resource: ResourceType, actor: Actor) -> HttpResponse:
    assert resource.create is not None  # noqa: S101 - every type declaring "create" has a creator
    try:
        created = resource.create(_body(request), actor)
    except (Invalid, BusinessRule) as exc:
        return _write_error(exc)
    response = FhirResponse(created, status=201) if _wants_representation(request) else HttpResponse(status=201)
    # fhirstarter's current format (reference §0): relative, no version.
    response["Location"] = f"/{resource.name}/{created['id']}"
    return response


@fhir_interaction("update")
def _update(request: HttpRequest, resource: ResourceType, actor: Actor, resource_id: str) -> HttpResponse:
    assert resource.update is not None  # noqa: S101 - every type declaring "update" has an updater
    try:
        updated = resource.update(resource_id, _body(request), actor)
    except (Invalid, BusinessRule) as exc:
        return _write_error(exc)
    if updated is None:
        return outcomes.not_found(resource.name, resource_id)
    return FhirResponse(updated) if _wants_representation(request) else HttpResponse(status=200)


@csrf_exempt
def type_endpoint(request: HttpRequest, resource_type: str) -> HttpResponse:
    """/fhir/<Type>: GET searches, POST creates."""
    if request.method == "GET":
        return _search(request, resource_type=resource_type)
    if request.method == "POST":
        return _create(request, resource_type=resource_type)
    return outcomes.not_supported(f"{request.method} is not supported on /{resource_type}.")


@csrf_exempt
def instance_endpoint(request: HttpRequest, resource_type: str, resource_id: str) -> HttpResponse:
    """/fhir/<Type>/<id>: GET reads, PUT updates."""
    if request.method == "GET":
        return _read(request, resource_type=resource_type, resource_id=resource_id)
    if request.method == "PUT":
        return _update(request, resource_type=resource_type, resource_id=resource_id)
    return outcomes.not_supported(f"{request.method} is not supported on /{resource_type}/<id>.")


def metadata(request: HttpRequest) -> HttpResponse:
    """GET /fhir/metadata: the CapabilityStatement (public, as FHIR servers' are)."""
    if request.method not in ("GET", "HEAD"):
        return outcomes.not_supported()
    base = request.build_absolute_uri(reverse("fhir_metadata")).rsplit("/", 1)[0]
    return FhirResponse(
        capability_statement(
            base_url=base,
            token_url=request.build_absolute_uri(reverse("oauth_token")),
            date=timezone.now().isoformat(timespec="seconds"),
        )
    )
