"""Every write to accounts: linking portal users, invites, activation, sign-in bookkeeping,
password resets and changes, ending sessions, and contact point verification codes.

All functions are keyword-only. Ones that can fail on input raise `ValidationError` (keyed by
field where one applies) or `TokenError`, and change nothing when they do.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from constance import config
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from frontdesk.accounts.models import AccountToken, CanvasUser, LoginFailure
from frontdesk.accounts.tasks import queue_email, queue_sms
from frontdesk.audit.services import Actor, client_address, record
from frontdesk.clinic.models import (
    ContactPointState,
    ContactPointSystem,
    Patient,
    PatientContactPoint,
)
from frontdesk.clinic.services import mark_contact_point_verified
from frontdesk.lib.phone import InvalidPhoneNumber, looks_like_phone, normalize_phone

MAX_CODE_ATTEMPTS = 5
CODE_RESEND_SECONDS = 30
RESETS_PER_HOUR = 5


class TokenError(Exception):
    """A link that cannot be used; the message is fit to show the person who followed it."""


class LoginThrottled(Exception):
    def __init__(self, minutes: int) -> None:
        super().__init__(f"Too many failed attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}.")
        self.minutes = minutes


class InvalidLogin(Exception):
    MESSAGE = "That email or phone number and password do not match an active portal account."

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _clinic_name() -> str:
    return str(config.CLINIC_NAME)


# --- login names ------------------------------------------------------------------------------


def normalize_email(raw: str | None, *, field: str = "email") -> str | None:
    """Return a trimmed lower-case email, None for blank. Raises ValidationError keyed on `field`."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        validate_email(text)
    except ValidationError:
        raise ValidationError({field: f"“{text}” is not an email address."}) from None
    return text.lower()


def normalize_phone_field(raw: str | None, *, field: str = "phone_number") -> str | None:
    """Return an E.164 phone number, None for blank. Raises ValidationError keyed on `field`."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return normalize_phone(text, region=settings.PHONE_REGION)
    except InvalidPhoneNumber as exc:
        raise ValidationError({field: str(exc)}) from None


def canonical_login(identifier: str) -> tuple[str, str] | None:
    """Return ("email" | "phone_number", canonical value) for a typed login name, or None."""
    text = (identifier or "").strip()
    if not text:
        return None
    if looks_like_phone(text):
        try:
            return "phone_number", normalize_phone(text, region=settings.PHONE_REGION)
        except InvalidPhoneNumber:
            return None
    return "email", text.lower()


def login_lookup(identifier: str) -> Q | None:
    """Return the query matching a typed login name (email or phone), or None if it is neither."""
    found = canonical_login(identifier)
    return Q(**{found[0]: found[1]}) if found is not None else None


def find_user(identifier: str) -> CanvasUser | None:
    query = login_lookup(identifier)
    return CanvasUser.objects.filter(query).first() if query is not None else None


def _is_portal_user(user: CanvasUser) -> bool:
    return hasattr(user, "patient") and user.patient is not None


# --- linking the portal user -------------------------------------------------------------------


@transaction.atomic
def link_portal_user(*, actor: Actor, patient: Patient, email: str | None, phone_number: str | None) -> CanvasUser:
    """Set the login email and/or phone of `patient`'s portal user, creating the user if needed.

    Both must be unique across users. With LINK_PORTAL_USERS_BY_EMAIL_ONLY a phone is refused.
    Raises ValidationError keyed on the offending field; nothing changes when it does.
    """
    clean_email = normalize_email(email)
    clean_phone = normalize_phone_field(phone_number)
    if config.LINK_PORTAL_USERS_BY_EMAIL_ONLY and clean_phone:
        raise ValidationError(
            {"phone_number": "This clinic links portal users by email only; leave the phone number empty."}
        )
    if not clean_email and not clean_phone:
        raise ValidationError(
            "Enter an email address or a phone number for the portal user."
            if not config.LINK_PORTAL_USERS_BY_EMAIL_ONLY
            else {"email": "Enter an email address for the portal user."}
        )
    user = patient.user
    others = CanvasUser.objects.exclude(pk=user.pk) if user else CanvasUser.objects.all()
    errors = {}
    if clean_email and others.filter(email=clean_email).exists():
        errors["email"] = "This email address is already used by another account."
    if clean_phone and others.filter(phone_number=clean_phone).exists():
        errors["phone_number"] = "This phone number is already used by another account."
    if errors:
        raise ValidationError(errors)
    before = (user.email, user.phone_number) if user else (None, None)
    try:
        with transaction.atomic():
            if user is None:
                user = CanvasUser(email=clean_email, phone_number=clean_phone)
                user.set_unusable_password()
                user.save()
                patient.user = user
                patient.save(update_fields=["user", "modified"])
            else:
                user.email, user.phone_number = clean_email, clean_phone
                user.save(update_fields=["email", "phone_number"])
    except IntegrityError:
        # Lost a race with another staff member linking the same address.
        raise ValidationError("This email address or phone number was just linked to another account.") from None
    changed = [
        name
        for name, old, new in (
            ("email", before[0], clean_email),
            ("phone_number", before[1], clean_phone),
        )
        if old != new
    ]
    # A link already sent to an address that is no longer the account's must stop working.
    moved = [channel for channel, name in (("email", "email"), ("sms", "phone_number")) if name in changed]
    if moved:
        now = timezone.now()
        AccountToken.objects.filter(user=user, channel__in=moved).usable(now).update(revoked_at=now)
    record(
        actor=actor,
        action="portal_user.linked",
        patient_key=patient.id,
        target=user,
        detail={"fields": changed},
    )
    return user


def portal_link(name: str, raw_token: str) -> str:
    return settings.BASE_URL + reverse(name, args=[raw_token])


def _issue_token(*, user: CanvasUser, purpose: str, channel: str, ttl: timedelta, now: datetime) -> str:
    # A new link replaces any earlier one of the same kind: only the newest works.
    AccountToken.objects.filter(user=user, purpose=purpose).usable(now).update(revoked_at=now)
    raw = secrets.token_urlsafe(32)
    AccountToken.objects.create(
        user=user,
        purpose=purpose,
        channel=channel,
        digest=_digest(raw),
        created_at=now,
        expires_at=now + ttl,
    )
    return raw


def _check_channel(user: CanvasUser, channel: str) -> str:
    if channel == AccountToken.Channel.EMAIL:
        if not user.email:
            raise ValidationError({"channel": "This portal user has no email address; link one or send by SMS."})
        return user.email
    if channel == AccountToken.Channel.SMS:
        if config.LINK_PORTAL_USERS_BY_EMAIL_ONLY:
            raise ValidationError({"channel": "This clinic links portal users by email only; send by email."})
        if not user.phone_number:
            raise ValidationError({"channel": "This portal user has no phone number; link one or send by email."})
        return user.phone_number
    raise ValidationError({"channel": f"Unknown channel “{channel}”; use email or sms."})


def _patient_zone(user: CanvasUser) -> ZoneInfo:
    patient = getattr(user, "patient", None)
    return ZoneInfo(patient.time_zone if patient else settings.INSTALLATION_TIME_ZONE)


@transaction.atomic
def send_invite(*, actor: Actor, user: CanvasUser, channel: str) -> None:
    """Send (or resend) a single-use activation link by email or SMS; earlier links stop working.

    Raises ValidationError when the user already activated, or has no address for `channel`.
    """
    if not _is_portal_user(user):
        raise ValidationError("Only a patient's portal user can be invited.")
    if user.is_portal_registered:
        raise ValidationError("This patient already activated their account; send a password reset instead.")
    address = _check_channel(user, channel)
    now = timezone.now()
    ttl = timedelta(hours=settings.INVITE_TTL_HOURS)
    raw = _issue_token(user=user, purpose=AccountToken.Purpose.INVITE, channel=channel, ttl=ttl, now=now)
    user.last_invite_date_time = now
    user.save(update_fields=["last_invite_date_time"])
    zone = _patient_zone(user)
    ctx = {
        "name": user.patient.preferred_first_name,
        "clinic": _clinic_name(),
        "link": portal_link("accounts:activate", raw),
        "expires": (now + ttl).astimezone(zone),
        "zone": zone.key,
        "hours": settings.INVITE_TTL_HOURS,
    }
    if channel == AccountToken.Channel.EMAIL:
        queue_email(
            to=address,
            subject=f"Your invitation to the {ctx['clinic']} patient portal",
            body=render_to_string("accounts/messages/invite_email.txt", ctx),
        )
    else:
        queue_sms(to=address, body=render_to_string("accounts/messages/invite_sms.txt", ctx).strip())
    record(
        actor=actor,
        action="portal_user.invited",
        patient_key=user.patient.id,
        target=user,
        detail={"channel": channel},
    )


@transaction.atomic
def send_password_reset(*, actor: Actor, user: CanvasUser, channel: str) -> None:
    """Send a single-use password reset link by email or SMS; earlier reset links stop working.

    Raises ValidationError when the account is not activated yet or has no address for `channel`.
    """
    if not _is_portal_user(user):
        raise ValidationError("Only a patient's portal user can be sent a portal password reset.")
    if not user.is_portal_registered:
        raise ValidationError("This patient has not activated their account yet; send an invite instead.")
    address = _check_channel(user, channel)
    now = timezone.now()
    ttl = timedelta(minutes=settings.PASSWORD_RESET_TTL_MINUTES)
    raw = _issue_token(user=user, purpose=AccountToken.Purpose.PASSWORD_RESET, channel=channel, ttl=ttl, now=now)
    ctx = {
        "name": user.patient.preferred_first_name,
        "clinic": _clinic_name(),
        "link": portal_link("accounts:reset", raw),
        "minutes": settings.PASSWORD_RESET_TTL_MINUTES,
    }
    if channel == AccountToken.Channel.EMAIL:
        queue_email(
            to=address,
            subject=f"Reset your {ctx['clinic']} portal password",
            body=render_to_string("accounts/messages/reset_email.txt", ctx),
        )
    else:
        queue_sms(to=address, body=render_to_string("accounts/messages/reset_sms.txt", ctx).strip())
    record(
        actor=actor,
        action="portal_user.password_reset_sent",
        patient_key=user.patient.id,
        target=user,
        detail={"channel": channel},
    )


def request_password_reset(*, identifier: str) -> None:
    """Self-service reset: send a link to `identifier` if it names an active portal account.

    Returns nothing and behaves the same whether or not the account exists. The link goes out on
    the channel the person typed (email → email, phone → SMS), at most RESETS_PER_HOUR an hour.
    """
    found = canonical_login(identifier)
    if found is None:
        return
    query = Q(**{found[0]: found[1]})
    # Key on the canonical login name so "(617) 555-0101" and "+16175550101" share one limit.
    key = _digest("reset:" + found[1])
    now = timezone.now()
    if (
        LoginFailure.objects.filter(
            scope=LoginFailure.Scope.RESET, key_digest=key, at__gte=now - timedelta(hours=1)
        ).count()
        >= RESETS_PER_HOUR
    ):
        return
    LoginFailure.objects.create(scope=LoginFailure.Scope.RESET, key_digest=key, at=now)
    user = CanvasUser.objects.filter(query, is_active=True, is_portal_registered=True, patient__isnull=False).first()
    if user is None:
        return
    channel = AccountToken.Channel.SMS if looks_like_phone(identifier) else AccountToken.Channel.EMAIL
    try:
        send_password_reset(actor=Actor.anonymous(), user=user, channel=channel)
    except ValidationError:
        return  # e.g. SMS while the clinic is email-only: say nothing either way


# --- following a link --------------------------------------------------------------------------


def check_token(*, raw_token: str, purpose: str, lock: bool = False) -> AccountToken:
    """Return the usable token for this link. Raises TokenError saying why it cannot be used."""
    tokens = AccountToken.objects.select_related("user")
    if lock:
        tokens = tokens.select_for_update()
    token = tokens.filter(digest=_digest(raw_token or ""), purpose=purpose).first()
    what = "invitation" if purpose == AccountToken.Purpose.INVITE else "password reset link"
    if token is None:
        raise TokenError(f"This {what} is not valid. Check that you copied the whole link.")
    if token.used_at is not None:
        raise TokenError(f"This {what} has already been used. Sign in, or ask for a new one.")
    if token.revoked_at is not None:
        raise TokenError(f"This {what} was replaced by a newer one. Use the most recent message.")
    if token.expires_at <= timezone.now():
        raise TokenError(f"This {what} has expired. Ask the clinic (or use “Forgot password”) for a new one.")
    if not token.user.is_active:
        raise TokenError(f"This {what} is not valid. Contact the clinic.")
    return token


def _set_password(user: CanvasUser, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)


@transaction.atomic
def activate_account(*, raw_token: str, password: str) -> CanvasUser:
    """Use an invite: set the password and mark the account activated. Returns the user.

    Raises TokenError for a bad link and ValidationError (key "password") for a weak password;
    the link stays usable after a weak password.
    """
    token = check_token(raw_token=raw_token, purpose=AccountToken.Purpose.INVITE, lock=True)
    user = token.user
    _set_password(user, password)
    now = timezone.now()
    user.is_portal_registered = True
    user.portal_activated_at = now
    user.save(update_fields=["password", "is_portal_registered", "portal_activated_at"])
    AccountToken.objects.filter(user=user).usable(now).update(revoked_at=now)
    AccountToken.objects.filter(pk=token.pk).update(used_at=now, revoked_at=None)
    record(
        actor=Actor.for_user(user),
        action="portal_user.activated",
        patient_key=user.patient.id,
        target=user,
    )
    return user


@transaction.atomic
def reset_password(*, raw_token: str, password: str) -> CanvasUser:
    """Use a reset link: set the new password (ending all other sessions). Returns the user.

    Raises TokenError for a bad link and ValidationError (key "password") for a weak password.
    """
    token = check_token(raw_token=raw_token, purpose=AccountToken.Purpose.PASSWORD_RESET, lock=True)
    user = token.user
    _set_password(user, password)
    now = timezone.now()
    user.save(update_fields=["password"])
    AccountToken.objects.filter(pk=token.pk).update(used_at=now)
    LoginFailure.objects.filter(scope=LoginFailure.Scope.ACCOUNT, key_digest__in=_login_keys(user)).delete()
    record(
        actor=Actor.for_user(user),
        action="portal_user.password_reset",
        patient_key=user.patient.id,
        target=user,
    )
    return user


@transaction.atomic
def change_password(*, user: CanvasUser, current_password: str, new_password: str) -> CanvasUser:
    """Change a signed-in user's password; other sessions end. Raises ValidationError."""
    if not user.check_password(current_password):
        raise ValidationError({"current_password": "Your current password is not right."})
    _set_password(user, new_password)
    user.save(update_fields=["password"])
    record(
        actor=Actor.for_user(user),
        action="user.password_changed",
        patient_key=_patient_key(user),
        target=user,
    )
    return user


@transaction.atomic
def log_out_everywhere(*, actor: Actor, user: CanvasUser) -> None:
    """End every session of `user`, on every device (this one too)."""
    CanvasUser.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    record(actor=actor, action="user.sessions_ended", patient_key=_patient_key(user), target=user)


def _patient_key(user: CanvasUser) -> str:
    patient = getattr(user, "patient", None)
    return patient.id if patient is not None else ""


# --- signing in --------------------------------------------------------------------------------


def _login_keys(user: CanvasUser) -> list[str]:
    return [_digest("login:" + name) for name in (user.email, user.phone_number) if name]


def _identifier_key(identifier: str) -> str:
    # Key on the canonical login name so "+1 555…" and "(555)…" count as one account.
    found = canonical_login(identifier)
    return _digest("login:" + (found[1] if found is not None else identifier.strip().lower()))


def _throttle_minutes(*, scope: str, key: str, limit: int, now: datetime) -> int:
    window = timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    recent = LoginFailure.objects.filter(scope=scope, key_digest=key, at__gt=now - window)
    if recent.count() < limit:
        return 0
    oldest = recent.order_by("at").values_list("at", flat=True).first() or now
    return max(1, math.ceil(((oldest + window) - now).total_seconds() / 60))


def check_sign_in_allowed(*, request: HttpRequest, identifier: str) -> None:
    """Raise LoginThrottled when this login name or this client address failed too often lately.

    Shared by the portal and the back-office sign-in, so neither door can be brute-forced.
    """
    now = timezone.now()
    minutes = max(
        _throttle_minutes(
            scope=LoginFailure.Scope.ACCOUNT,
            key=_identifier_key(identifier),
            limit=settings.LOGIN_FAILURES_PER_ACCOUNT,
            now=now,
        ),
        _throttle_minutes(
            scope=LoginFailure.Scope.ADDRESS,
            key=_address_key(request),
            limit=settings.LOGIN_FAILURES_PER_ADDRESS,
            now=now,
        ),
    )
    if minutes:
        raise LoginThrottled(minutes)


def _address_key(request: HttpRequest) -> str:
    return _digest("address:" + (client_address(request) or "unknown"))


@transaction.atomic
def record_sign_in_failure(*, request: HttpRequest, identifier: str, door: str = "portal") -> None:
    """Count a failed sign-in against the login name and the client address, and audit it."""
    now = timezone.now()
    account_key = _identifier_key(identifier)
    LoginFailure.objects.bulk_create(
        [
            LoginFailure(scope=LoginFailure.Scope.ACCOUNT, key_digest=account_key, at=now),
            LoginFailure(scope=LoginFailure.Scope.ADDRESS, key_digest=_address_key(request), at=now),
        ]
    )
    # Keep the table small: anything older than a day no longer matters.
    LoginFailure.objects.filter(at__lt=now - timedelta(days=1)).delete()
    record(actor=Actor.anonymous(), action=f"{door}.sign_in_failed", detail={"account": account_key[:12]})


@transaction.atomic
def record_sign_in(*, user: CanvasUser, identifier: str, door: str = "portal") -> None:
    """Clear the login name's failures and audit a successful sign-in."""
    LoginFailure.objects.filter(scope=LoginFailure.Scope.ACCOUNT, key_digest=_identifier_key(identifier)).delete()
    record(actor=Actor.for_user(user), action=f"{door}.signed_in", patient_key=_patient_key(user), target=user)


def sign_in(*, request: HttpRequest, identifier: str, password: str) -> CanvasUser:
    """Check a portal sign-in and return the user; the caller then calls `django.contrib.auth.login`.

    Only activated portal users of active patients get in. Raises LoginThrottled after too many
    failures for this login name or this client address, and InvalidLogin (one message for every
    reason) otherwise. Failures are recorded.
    """
    check_sign_in_allowed(request=request, identifier=identifier)
    user = authenticate(request, username=identifier, password=password)
    if user is None or not _is_portal_user(user) or not user.is_portal_registered or not user.patient.active:
        record_sign_in_failure(request=request, identifier=identifier, door="portal_user")
        raise InvalidLogin()
    record_sign_in(user=user, identifier=identifier, door="portal_user")
    return user


# --- contact point verification ----------------------------------------------------------------


def _code_digest(contact_point: PatientContactPoint, code: str) -> str:
    # Keyed with SECRET_KEY and the contact point: six digits are trivial to brute-force offline.
    return salted_hmac("frontdesk.contact-verification", f"{contact_point.id}:{code}", algorithm="sha256").hexdigest()


def _verifiable(contact_point: PatientContactPoint) -> None:
    if contact_point.state != ContactPointState.ACTIVE:
        raise ValidationError("This contact point was deleted and cannot be verified.")
    if contact_point.system not in (ContactPointSystem.EMAIL, ContactPointSystem.PHONE):
        raise ValidationError("Only email addresses and phone numbers can be verified.")


@transaction.atomic
def send_contact_verification(*, actor: Actor, contact_point: PatientContactPoint) -> None:
    """Send a six-digit code to the contact point by email or SMS.

    Only bookkeeping fields change, so no PATIENT_CONTACT_POINT_UPDATED is emitted: a handler that
    sends a verification on that event cannot loop through this. Raises ValidationError.
    """
    contact_point = PatientContactPoint.objects.select_for_update().select_related("patient").get(pk=contact_point.pk)
    _verifiable(contact_point)
    now = timezone.now()
    if (
        contact_point.verification_sent_at
        and (now - contact_point.verification_sent_at).total_seconds() < CODE_RESEND_SECONDS
    ):
        raise ValidationError("A code was sent moments ago. Wait half a minute before asking for another.")
    code = f"{secrets.randbelow(10**6):06d}"
    PatientContactPoint.objects.filter(pk=contact_point.pk).update(
        verification_token=_code_digest(contact_point, code),
        verification_sent_at=now,
        verification_attempts=0,
    )
    ctx = {
        "clinic": _clinic_name(),
        "code": code,
        "minutes": settings.VERIFICATION_CODE_TTL_MINUTES,
    }
    if contact_point.system == ContactPointSystem.EMAIL:
        queue_email(
            to=contact_point.value,
            subject=f"Your {ctx['clinic']} verification code",
            body=render_to_string("accounts/messages/verify_email.txt", ctx),
        )
    else:
        queue_sms(
            to=contact_point.value,
            body=render_to_string("accounts/messages/verify_sms.txt", ctx).strip(),
        )
    record(
        actor=actor,
        action="contact_point.verification_sent",
        patient_key=contact_point.patient.id,
        target=contact_point,
    )


def verify_contact_point(*, actor: Actor, contact_point: PatientContactPoint, code: str) -> PatientContactPoint:
    """Check a code; when right, set `last_verified` (emits PATIENT_CONTACT_POINT_UPDATED).

    Raises ValidationError keyed on "code" when wrong, expired, or tried too often (a wrong guess
    is counted even though the call raises).
    """
    with transaction.atomic():
        cp = PatientContactPoint.objects.select_for_update().select_related("patient").get(pk=contact_point.pk)
        _verifiable(cp)
        now = timezone.now()
        ttl = timedelta(minutes=settings.VERIFICATION_CODE_TTL_MINUTES)
        if not cp.verification_token or cp.verification_sent_at is None:
            raise ValidationError({"code": "No code is waiting for this contact point. Ask for a new one."})
        if cp.verification_sent_at + ttl <= now:
            raise ValidationError({"code": "This code has expired. Ask for a new one."})
        if cp.verification_attempts >= MAX_CODE_ATTEMPTS:
            raise ValidationError({"code": "Too many wrong codes. Ask for a new one."})
        clean = "".join(ch for ch in (code or "") if ch.isdigit())
        if not hmac.compare_digest(cp.verification_token, _code_digest(cp, clean)):
            PatientContactPoint.objects.filter(pk=cp.pk).update(verification_attempts=F("verification_attempts") + 1)
            wrong = True
        else:
            wrong = False
            verified = mark_contact_point_verified(actor=actor, contact_point=cp, when=now)
    if wrong:
        raise ValidationError({"code": "That code is not right. Check the latest message and try again."})
    return verified


def is_code_pending(contact_point: PatientContactPoint, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    sent = contact_point.verification_sent_at
    return bool(
        contact_point.verification_token
        and sent
        and sent + timedelta(minutes=settings.VERIFICATION_CODE_TTL_MINUTES) > now
    )


@transaction.atomic
def save_user(*, actor: Actor, user: CanvasUser, changed: list[str] | None = None) -> CanvasUser:
    """Save a user edited in the back office (login names normalised). Raises ValidationError."""
    created = user._state.adding
    user.email = normalize_email(user.email)
    user.phone_number = normalize_phone_field(user.phone_number)
    user.full_clean()
    user.save()
    record(
        actor=actor,
        action="user.created" if created else "user.updated",
        patient_key=_patient_key(user),
        target=user,
        detail={"fields": sorted(changed or [])},
    )
    return user


@transaction.atomic
def create_demo_login(*, actor: Actor, user: CanvasUser, password: str, staff: bool = False) -> CanvasUser:
    """Give a demo user a known password and mark it activated (`frontdesk demo` only).

    Raises ValidationError unless demo accounts are allowed (DEBUG, or explicitly forced).
    """
    if not settings.ALLOW_DEMO_ACCOUNTS:
        raise ValidationError(
            "Demo accounts are refused while FRONTDESK_DEBUG is off; set FRONTDESK_ALLOW_DEMO_ACCOUNTS=1 to force them."
        )
    user.set_password(password)
    user.is_demo = True
    user.is_staff = user.is_superuser = staff
    if not staff:
        user.is_portal_registered = True
        user.portal_activated_at = user.portal_activated_at or timezone.now()
    user.save()
    record(actor=actor, action="user.demo_login_created", patient_key=_patient_key(user), target=user)
    return user
