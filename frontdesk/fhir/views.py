"""The OAuth endpoints (token, SMART authorize and discovery) and the FHIR endpoints. Thin: parse,
authenticate, check the scope (and, for a patient-bound token, the patient compartment), call the
resource module, serialize."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

from django.contrib.auth.hashers import make_password
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from frontdesk.accounts.access import require_portal
from frontdesk.audit.services import Actor, client_address
from frontdesk.clinic.models import Patient
from frontdesk.fhir import compartment, outcomes, services
from frontdesk.fhir.capability import SMART_STYLE, capability_statement, smart_configuration_document
from frontdesk.fhir.models import TOKEN_LIFETIME, AccessToken, Bearer, OAuthClient, token_digest
from frontdesk.fhir.outcomes import FhirResponse
from frontdesk.fhir.resources import BusinessRule, Invalid, Json, ResourceType, registry
from frontdesk.fhir.scopes import (
    PATIENT,
    SCOPE_FORMS,
    SYSTEM,
    InvalidScope,
    Scope,
    allows,
    describe,
    format_scopes,
    in_context,
    needed,
    parse_scopes,
)
from frontdesk.fhir.search import SearchError, parse_page, parse_params, searchset, used_query

log = logging.getLogger(__name__)

FhirView = Callable[..., HttpResponse]


# --- OAuth2: the token endpoint (RFC 6749 §4.1.3, §4.4, §6) and SMART's authorize endpoint --------


def _has_nul(request: HttpRequest) -> bool:
    """True when the path, a parameter (query or form) or the body carries a NUL character (raw or
    as JSON's \\u0000): no stored value can hold one (PostgreSQL refuses it), so it is bad input,
    not a 500."""
    if "\x00" in request.path:
        return True
    # The body first: once read it is kept, and the form is parsed from it.
    if request.method in ("POST", "PUT") and (b"\x00" in request.body or b"\\u0000" in request.body):
        return True
    for query in (request.GET, request.POST if request.method == "POST" else QueryDict()):
        for key, values in query.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return True
    return False


NUL_MESSAGE = "The request contains a NUL character, which no value may hold."


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400, retry_after: int = 0) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.retry_after = retry_after


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _oauth_error(exc: OAuthError) -> HttpResponse:
    response = JsonResponse({"error": exc.error, "error_description": exc.description}, status=exc.status)
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Basic realm="frontdesk"'
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return _no_store(response)


def _client_credentials(request: HttpRequest) -> tuple[str, str | None]:
    """Return (client_id, client_secret) from HTTP Basic or the form (one method, not both); the
    secret is None when none was sent (a public client identifies itself by client_id alone)."""
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
        return client_id, secret or None  # "id:" is how some libraries send a public client's id
    if not form_id:
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    return form_id, form_secret or None


def _authenticate_client(client_id: str, secret: str | None) -> OAuthClient:
    """Return the active client: a confidential one with its secret, a public one without any."""
    client = OAuthClient.objects.filter(client_id=client_id).first()
    if client is None:
        make_password(secret)  # spend the same time as a real check: do not reveal which ids exist
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    # A public client has no secret to send; a confidential one must send its own.
    authenticated = secret is None if client.is_public else secret is not None and client.check_secret(secret)
    if not authenticated or not client.is_active:
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    return client


def _throttle(client_id: str, address: str | None) -> None:
    try:
        services.check_client_auth_allowed(client_id=client_id, address=address)
    except services.ClientThrottled as exc:
        raise OAuthError("temporarily_unavailable", str(exc), 429, retry_after=exc.retry_after) from None


def _authenticated_client(request: HttpRequest) -> OAuthClient:
    """Authenticate the client, throttled: failures count per client_id and per address (429 beyond)."""
    address = client_address(request)
    try:
        client_id, secret = _client_credentials(request)
    except OAuthError as exc:
        if exc.error == "invalid_client":
            _throttle("", address)
            services.record_client_auth_failure(client_id="", address=address)
        raise
    _throttle(client_id, address)
    try:
        client = _authenticate_client(client_id, secret)
    except OAuthError:
        services.record_client_auth_failure(client_id=client_id, address=address)
        raise
    return client


def _requested_scopes(request: HttpRequest) -> tuple[Scope, ...]:
    try:
        return parse_scopes(request.POST.get("scope", ""))
    except InvalidScope as exc:
        raise OAuthError("invalid_scope", f"{exc} is not a scope ({SCOPE_FORMS}).") from None


def _required(request: HttpRequest, *names: str) -> list[str]:
    missing = [name for name in names if not request.POST.get(name)]
    if missing:
        raise OAuthError("invalid_request", f"{missing[0]} is required.")
    return [request.POST[name] for name in names]


def _client_credentials_grant(request: HttpRequest, client: OAuthClient, actor: Actor) -> services.IssuedToken:
    if client.is_public:
        raise OAuthError("unauthorized_client", "A public client gets tokens through the authorization code flow.")
    requested = _requested_scopes(request)
    patient = None
    if "patient" in request.POST:
        (key,) = _required(request, "patient")
        if not in_context(requested, PATIENT) or in_context(requested, PATIENT) != requested:
            raise OAuthError(
                "invalid_scope", "A patient-scoped token needs patient/<Type>.<read|write|*> scopes, and only those."
            )
        patient = Patient.objects.filter(id=key, active=True).first()
        if patient is None:
            raise OAuthError("invalid_request", f"patient '{key}' is not an active patient.")
    elif in_context(requested, PATIENT):
        raise OAuthError("invalid_scope", "patient/ scopes need the patient the token is for (patient=<id>).")
    try:
        return services.issue_access_token(actor=actor, client=client, requested=requested, patient=patient)
    except services.ScopeNotAllowed:
        raise OAuthError("invalid_scope", "The requested scope is more than this client is allowed.") from None


def _grant_failed(request: HttpRequest, client: OAuthClient, exc: Exception) -> OAuthError:
    services.record_client_auth_failure(client_id=client.client_id, address=client_address(request))
    return OAuthError("invalid_grant", str(exc))


def _authorization_code_grant(request: HttpRequest, client: OAuthClient, actor: Actor) -> services.IssuedToken:
    code, redirect_uri, verifier = _required(request, "code", "redirect_uri", "code_verifier")
    if not _PKCE_VERIFIER.fullmatch(verifier):
        raise OAuthError("invalid_request", "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~.")
    try:
        return services.redeem_authorization_code(
            actor=actor, client=client, raw_code=code, redirect_uri=redirect_uri, code_verifier=verifier
        )
    except services.InvalidGrant as exc:
        raise _grant_failed(request, client, exc) from None


def _refresh_token_grant(request: HttpRequest, client: OAuthClient, actor: Actor) -> services.IssuedToken:
    (raw,) = _required(request, "refresh_token")
    requested = _requested_scopes(request)
    try:
        return services.refresh_access_token(actor=actor, client=client, raw_refresh=raw, requested=requested)
    except services.InvalidGrant as exc:
        raise _grant_failed(request, client, exc) from None
    except services.ScopeNotAllowed:
        raise OAuthError("invalid_scope", "The requested scope is more than the original grant.") from None


GRANTS = {
    "client_credentials": _client_credentials_grant,
    "authorization_code": _authorization_code_grant,
    "refresh_token": _refresh_token_grant,
}


def _issue(request: HttpRequest) -> HttpResponse:
    for key in request.POST:
        if len(request.POST.getlist(key)) > 1:
            raise OAuthError("invalid_request", f"{key} is given more than once.")
    grant_type = request.POST.get("grant_type", "")
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required.")
    grant = GRANTS.get(grant_type)
    if grant is None:
        raise OAuthError(
            "unsupported_grant_type", f"grant_type {grant_type!r} is not supported; use one of {', '.join(GRANTS)}."
        )
    client = _authenticated_client(request)
    issued = grant(request, client, Actor.system(f"oauth-client:{client.client_id}"))
    services.clear_client_auth_failures(client_id=client.client_id)  # after the grant: failed grants count too
    body: dict[str, Any] = {
        "access_token": issued.raw,
        "token_type": "Bearer",
        "expires_in": int(TOKEN_LIFETIME.total_seconds()),
        "scope": issued.token.scope,
    }
    if issued.refresh:
        body["refresh_token"] = issued.refresh
    if issued.token.patient is not None:
        body["patient"] = issued.token.patient.id
        body["need_patient_banner"] = True
        body["smart_style_url"] = request.build_absolute_uri(reverse("smart_style"))
    return _no_store(JsonResponse(body))


@csrf_exempt
def token(request: HttpRequest) -> HttpResponse:
    """POST /auth/token/: issue an access token (client credentials, authorization code, refresh token)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if _has_nul(request):
        return _oauth_error(OAuthError("invalid_request", NUL_MESSAGE))
    try:
        return _issue(request)
    except OAuthError as exc:
        log.info("token request refused: %s (%s)", exc.error, exc.description)
        return _oauth_error(exc)


# SMART standalone launch: authorization code with PKCE (S256 only), approved by the signed-in patient.

_PKCE_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")
AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "aud",
)


class _ErrorPage(Exception):
    """An authorization request that cannot be answered at its redirect URI: shown as a page."""


class _AppRedirect(HttpResponseRedirect):
    """A redirect to a registered redirect URI, whose scheme may be a native app's own."""

    def __init__(self, url: str) -> None:
        self.allowed_schemes = [urlsplit(url).scheme]
        super().__init__(url)


def _with_query(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode({k: v for k, v in params.items() if v})) if q)
    return urlunsplit(parts._replace(query=query))


@dataclass(frozen=True)
class _AuthorizationRequest:
    client: OAuthClient
    redirect_uri: str
    state: str
    scopes: tuple[Scope, ...]
    code_challenge: str
    params: dict[str, str]

    def redirect(self, **params: str) -> HttpResponse:
        return _no_store(_AppRedirect(_with_query(self.redirect_uri, {**params, "state": self.state})))


def _fhir_base(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("fhir_metadata")).rsplit("/", 1)[0]


def _authorization_request(request: HttpRequest, data: QueryDict) -> _AuthorizationRequest | HttpResponse:
    """Return the checked request, or the error redirect (RFC 6749 §4.1.2.1) to answer with.

    Raises _ErrorPage when the client or the redirect URI is unknown: then nothing may be
    redirected anywhere.
    """
    client_id, redirect_uri = data.get("client_id", ""), data.get("redirect_uri", "")
    client = OAuthClient.objects.filter(client_id=client_id, is_active=True).first() if client_id else None
    if client is None or len(data.getlist("client_id")) > 1:
        raise _ErrorPage("The app that sent you here is not registered with this clinic, or is switched off.")
    if not redirect_uri or len(data.getlist("redirect_uri")) > 1 or not client.has_redirect_uri(redirect_uri):
        raise _ErrorPage("The app that sent you here gave a return address that is not registered for it.")
    params = {name: data.get(name, "") for name in AUTHORIZE_PARAMS}
    checked = _AuthorizationRequest(
        client=client,
        redirect_uri=redirect_uri,
        state=params["state"],
        scopes=(),
        code_challenge=params["code_challenge"],
        params=params,
    )
    repeated = [name for name in data if len(data.getlist(name)) > 1]
    if repeated:
        return checked.redirect(error="invalid_request", error_description=f"{repeated[0]} is given more than once.")
    if params["response_type"] != "code":
        return checked.redirect(error="unsupported_response_type", error_description="Only response_type=code.")
    if params["code_challenge_method"] != "S256" or not _S256_CHALLENGE.fullmatch(params["code_challenge"]):
        return checked.redirect(
            error="invalid_request",
            error_description="PKCE is required: code_challenge with code_challenge_method=S256.",
        )
    if params["aud"] and params["aud"].rstrip("/") != _fhir_base(request):
        return checked.redirect(error="invalid_request", error_description="aud is not this FHIR server's base URL.")
    try:
        scopes = services.grantable_scopes(client=client, requested=parse_scopes(params["scope"]))
    except (InvalidScope, services.ScopeNotAllowed):
        return checked.redirect(
            error="invalid_scope",
            error_description="Ask for patient/<Type>.<read|write|*> scopes this app is allowed "
            "(and launch/patient, offline_access, openid, fhirUser).",
        )
    return dataclasses.replace(checked, scopes=scopes)


def _error_page(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return _no_store(render(request, "fhir/authorize_error.html", {"message": message}, status=status))


@never_cache
def authorize(request: HttpRequest) -> HttpResponse:
    """GET /auth/authorize/: the signed-in patient sees what an app asks for; POST: approve or deny.

    Approval redirects to the app's registered redirect URI with a code and the state; denial with
    error=access_denied. A request whose client or redirect URI is not registered is answered
    with an error page, never a redirect.
    """
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if _has_nul(request):
        return _error_page(request, NUL_MESSAGE)
    require_portal(request)
    data = request.POST if request.method == "POST" else request.GET
    address = client_address(request)
    if request.method == "POST":
        try:
            services.check_client_auth_allowed(client_id=data.get("client_id", ""), address=address)
        except services.ClientThrottled as exc:
            response = _error_page(request, "Too many failed attempts. Try again later.", status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
    try:
        checked = _authorization_request(request, data)
    except _ErrorPage as exc:
        if request.method == "POST":
            services.record_client_auth_failure(
                client_id=data.get("client_id", ""), address=address, endpoint="authorize"
            )
        return _error_page(request, str(exc))
    if isinstance(checked, HttpResponse):
        return checked
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(_with_query(reverse("oauth_authorize"), checked.params))
    patient = getattr(user, "patient", None)
    if patient is None or not patient.active:
        return _error_page(request, "Only a patient's portal account can connect an app to a patient record.", 403)
    actor = Actor.for_user(user)
    if request.method == "GET":
        context = {
            "app": checked.client,
            "patient": patient,
            "permissions": describe(checked.scopes),
            "params": checked.params,
            "return_host": urlsplit(checked.redirect_uri).netloc or urlsplit(checked.redirect_uri).scheme,
        }
        return _no_store(render(request, "fhir/authorize.html", context))
    decision = request.POST.get("decision")
    if decision == "deny":
        services.record_app_denied(actor=actor, client=checked.client, patient=patient)
        return checked.redirect(error="access_denied", error_description="The patient denied access.")
    if decision != "approve":
        return _error_page(request, "Choose Allow or Deny.")
    issued = services.create_authorization_code(
        actor=actor,
        client=checked.client,
        user=user,
        patient=patient,
        redirect_uri=checked.redirect_uri,
        code_challenge=checked.code_challenge,
        scopes=checked.scopes,
    )
    return checked.redirect(code=issued.raw)


def smart_configuration(request: HttpRequest) -> HttpResponse:
    """GET /fhir/.well-known/smart-configuration: SMART App Launch discovery (public)."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return JsonResponse(
        smart_configuration_document(
            issuer=_fhir_base(request),
            authorize_url=request.build_absolute_uri(reverse("oauth_authorize")),
            token_url=request.build_absolute_uri(reverse("oauth_token")),
        )
    )


def smart_style(request: HttpRequest) -> HttpResponse:
    """GET /auth/smart-style.json: the SMART style an app may use to look like the portal (`smart_style_url`)."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return JsonResponse(SMART_STYLE)


# --- FHIR API -------------------------------------------------------------------------------------


def _bearer_token(request: HttpRequest) -> Bearer | HttpResponse:
    """Return the request's usable access token, or the 401 to answer with."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return outcomes.unauthorized("Send an access token: Authorization: Bearer <token>.", token_given=False)
    bearer = AccessToken.objects.bearer(token_digest(raw.strip()), timezone.now())
    if bearer is None:
        return outcomes.unauthorized("The access token is invalid, expired or revoked.", token_given=True)
    return bearer


def fhir_interaction(interaction: str) -> Callable[[FhirView], FhirView]:
    """Guard a view on `<Type>` URLs: a usable Bearer token (401), a served type (404), an
    interaction the type supports (405) and a scope covering it (403), in that order.

    The view is called with the ResourceType in place of the `resource_type` URL argument and
    the Actor (the token's client) that its writes are recorded under. For a token bound to a
    patient, the scope needed is `patient/...` and the ResourceType is limited to that patient's
    compartment (`compartment.restrict`): the one place patient-scoped access is decided.
    """

    def decorator(view: FhirView) -> FhirView:
        @wraps(view)
        def wrapped(request: HttpRequest, resource_type: str, **kwargs: Any) -> HttpResponse:
            if _has_nul(request):
                return outcomes.bad_request(NUL_MESSAGE)
            access_token = _bearer_token(request)
            if isinstance(access_token, HttpResponse):
                return access_token
            resource = registry().get(resource_type)
            if resource is None:
                return outcomes.unknown_type(resource_type)
            if interaction not in resource.interactions:
                return outcomes.not_supported(f"{resource_type} does not support {interaction}.")
            bound = access_token.patient_id
            context = PATIENT if bound is not None else SYSTEM
            if not allows(access_token.scopes, resource_type=resource_type, interaction=interaction, context=context):
                wanted = needed(resource_type=resource_type, interaction=interaction, context=context)
                return outcomes.forbidden(
                    f"This token's scope ({format_scopes(access_token.scopes)}) does not include {wanted}."
                )
            actor = Actor.system(f"oauth-client:{access_token.client_id}")
            if bound is not None and interaction == "search-type":
                refused = compartment.refused_parameters(request.GET)
                if refused:
                    return outcomes.bad_request(f"'{refused[0]}' is not supported with a patient-scoped token.")
            try:
                if bound is not None:
                    resource = compartment.restrict(resource, patient_id=bound, interaction=interaction)
                return view(request, resource, actor, **kwargs)
            except compartment.OutsideCompartment as exc:
                return outcomes.forbidden(str(exc))

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
    response = FhirResponse(body)
    meta = body.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("lastUpdated"), str):
        # What a client sends back as If-Unmodified-Since.
        response["Last-Modified"] = http_date(datetime.fromisoformat(meta["lastUpdated"]).timestamp())
    return response


@fhir_interaction("search-type")
def _search(request: HttpRequest, resource: ResourceType, actor: Actor) -> HttpResponse:
    assert resource.search is not None  # noqa: S101 - every type declaring "search-type" has a search
    try:
        page = parse_page(request.GET)
        strict = "handling=strict" in _preferences(request)
        result = resource.search(parse_params(request.GET, resource.search_params, strict=strict), page)
    except SearchError as exc:
        return outcomes.bad_request(str(exc))
    if resource.audit is not None:
        resource.audit(actor, result.resources)
    base = request.build_absolute_uri(reverse("fhir_type", args=[resource.name])).rsplit("/", 1)[0]
    full_url = (lambda r: f"{base}/{r['resourceType']}/{r['id']}") if "read" in resource.interactions else None
    return FhirResponse(
        searchset(
            resource_type=resource.name,
            query=used_query(request.GET, resource.search_params),
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


def _preferences(request: HttpRequest) -> list[str]:
    """The request's `Prefer` header as lower-case tokens (`return=representation`, `handling=strict`)."""
    return [p.strip().lower() for p in request.headers.get("Prefer", "").split(",")]


def _wants_representation(request: HttpRequest) -> bool:
    """Canvas answers writes with a null body; `Prefer: return=representation` asks for the resource."""
    return "return=representation" in _preferences(request)


def _write_error(exc: Invalid | BusinessRule) -> HttpResponse:
    if isinstance(exc, Invalid):
        return outcomes.bad_request(exc.message, element=exc.element)
    return outcomes.business_rule(exc.text, element=exc.element)


@fhir_interaction("create")
def _create(request: HttpRequest, resource: ResourceType, actor: Actor) -> HttpResponse:
    assert resource.create is not None  # noqa: S101 - every type declaring "create" has a creator
    try:
        body = _body(request)
        # One transaction: a check made after the write (the patient compartment's) undoes it.
        with transaction.atomic():
            created = resource.create(body, actor)
    except (Invalid, BusinessRule) as exc:
        return _write_error(exc)
    response = FhirResponse(created, status=201) if _wants_representation(request) else HttpResponse(status=201)
    # fhirstarter's current format (reference §0): relative, no version.
    response["Location"] = f"/{resource.name}/{created['id']}"
    return response


@fhir_interaction("update")
def _update(request: HttpRequest, resource: ResourceType, actor: Actor, resource_id: str) -> HttpResponse:
    """With If-Unmodified-Since (an HTTP date, else 400), a resource changed after that date gets
    412 and is not written. The check and the write share one transaction, and `last_modified`
    locks the row, so no other write can come between them."""
    assert resource.update is not None  # noqa: S101 - every type declaring "update" has an updater
    header = request.headers.get("If-Unmodified-Since")
    since = parse_http_date_safe(header) if header is not None else None
    if header is not None and since is None:
        return outcomes.bad_request(
            f"If-Unmodified-Since '{header}' is not an HTTP date such as 'Sat, 21 Nov 2026 10:00:00 GMT'."
        )
    try:
        body = _body(request)
        with transaction.atomic():
            if since is not None and resource.last_modified is not None:
                modified = resource.last_modified(resource_id)
                if modified is None:
                    return outcomes.not_found(resource.name, resource_id)
                if int(modified.timestamp()) > since:  # HTTP dates have whole seconds
                    return outcomes.precondition_failed(f"Last modified {http_date(modified.timestamp())}.")
            updated = resource.update(resource_id, body, actor)
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


@csrf_exempt
def other_endpoint(request: HttpRequest, path: str) -> HttpResponse:
    """Any other path under /fhir/ (`/<Type>/<id>/_history`, operations...): 401 without a usable
    token, else 405 as an OperationOutcome, the same whatever the ids in it (nothing to probe)."""
    if _has_nul(request):
        return outcomes.bad_request(NUL_MESSAGE)
    bearer = _bearer_token(request)
    if isinstance(bearer, HttpResponse):
        return bearer
    return outcomes.not_supported(f"/{path} is not supported.")


def metadata(request: HttpRequest) -> HttpResponse:
    """GET /fhir/metadata: the CapabilityStatement (public, as FHIR servers' are)."""
    if request.method not in ("GET", "HEAD"):
        return outcomes.not_supported()
    base = request.build_absolute_uri(reverse("fhir_metadata")).rsplit("/", 1)[0]
    return FhirResponse(
        capability_statement(
            base_url=base,
            token_url=request.build_absolute_uri(reverse("oauth_token")),
            authorize_url=request.build_absolute_uri(reverse("oauth_authorize")),
            date=timezone.now().isoformat(timespec="seconds"),
        )
    )
