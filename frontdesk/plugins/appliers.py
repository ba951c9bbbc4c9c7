"""Effects as data → frontdesk's services, with the plugin as the audited actor.

`consume` is the outbox consumer for plugins: it puts each lifecycle event to the runner (never to
the handlers whose effects caused it, and to nobody past the chain-depth limit) and applies the
effects that come back. Each effect is validated and applied through the same service a person
would use, inside `caused_by(...)` so that the events it records carry the causation chain. An
effect that fails validation is dropped and written to the plugin's log; the others still apply.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError

from frontdesk.accounts import services as account_services
from frontdesk.accounts.models import CanvasUser
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import PatientContactPoint
from frontdesk.events.models import OutboxEvent
from frontdesk.events.services import Causation, caused_by
from frontdesk.plugins import client, registry
from frontdesk.plugins.logs import plugin_log

log = logging.getLogger(__name__)


class EffectRefused(Exception):
    """The effect's payload is not something frontdesk can apply; the message says why."""


def _data(payload: str) -> dict[str, Any]:
    try:
        body = json.loads(payload)
    except json.JSONDecodeError as exc:
        raise EffectRefused(f"payload is not JSON: {exc}") from None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise EffectRefused('payload has no "data" object')
    return data


def _user(data: dict[str, Any]) -> CanvasUser:
    dbid = data.get("user_dbid", data.get("dbid"))
    if not isinstance(dbid, int) or isinstance(dbid, bool):
        raise EffectRefused("user_dbid must be an integer")
    user = CanvasUser.objects.filter(dbid=dbid).select_related("patient").first()
    if user is None:
        raise EffectRefused("User does not exist")
    return user


def apply_send_invite(data: dict[str, Any], actor: Actor) -> str:
    user = _user(data)
    channel = "email" if user.email else "sms"
    account_services.send_invite(actor=actor, user=user, channel=channel)
    return f"invite sent to user {user.dbid} by {channel}"


def apply_update_user(data: dict[str, Any], actor: Actor) -> str:
    user = _user(data)
    if not hasattr(user, "patient"):
        raise EffectRefused("UpdateUserEffect can change only a patient's portal user in frontdesk")
    if "email" not in data and "phone_number" not in data:
        raise EffectRefused("one of 'email', 'phone_number' is required")
    # Each field stands alone: a valid email is applied even when the phone number is not (and
    # the refusal is logged), so one bad value never blocks the other or corrupts the user.
    changes: dict[str, Any] = {}
    refused: list[str] = []
    for key, normalize in (
        ("email", account_services.normalize_email),
        ("phone_number", account_services.normalize_phone_field),
    ):
        if key in data:
            if data[key] is not None and not isinstance(data[key], str):
                refused.append(f"{key} must be a string")
                continue
            try:
                changes[key] = normalize(data[key], field=key) if data[key] is not None else None
            except ValidationError as exc:
                refused.append(" ".join(exc.messages))
    if not changes:
        raise EffectRefused("; ".join(refused))
    account_services.link_portal_user(
        actor=actor,
        patient=user.patient,
        email=changes.get("email", user.email),
        phone_number=changes.get("phone_number", user.phone_number),
    )
    outcome = f"user {user.dbid} updated ({', '.join(changes)})"
    return outcome + (f"; not applied: {'; '.join(refused)}" if refused else "")


def apply_send_contact_verification(data: dict[str, Any], actor: Actor) -> str:
    raw = data.get("contact_point_id")
    try:
        point = PatientContactPoint.objects.get(id=str(raw))
    except (PatientContactPoint.DoesNotExist, ValidationError, ValueError):
        raise EffectRefused("Patient Contact Point does not exist") from None
    account_services.send_contact_verification(actor=actor, contact_point=point)
    return f"verification code sent to contact point {point.id}"


APPLIERS: dict[str, Callable[[dict[str, Any], Actor], str]] = {
    "PATIENT_PORTAL__SEND_INVITE": apply_send_invite,
    "UPDATE_USER": apply_update_user,
    "PATIENT_PORTAL__SEND_CONTACT_VERIFICATION": apply_send_contact_verification,
}


def apply_effects(effects: list[client.EffectData], *, event: OutboxEvent) -> int:
    """Apply each effect through its service; return how many applied. Refusals are logged."""
    applied = 0
    for effect in effects:
        where = (effect.plugin, effect.handler, event.name)
        applier = APPLIERS.get(effect.type)
        if applier is None:
            plugin_log(
                *where, logging.WARNING, f"{effect.type} is not an effect frontdesk applies after {event.name}; dropped"
            )
            continue
        chain = Causation(handlers=(*event.caused_by, f"{effect.plugin}:{effect.handler}"), depth=event.depth + 1)
        try:
            with caused_by(chain):
                outcome = applier(_data(effect.payload), Actor.plugin(effect.plugin))
        except EffectRefused as exc:
            plugin_log(*where, logging.ERROR, f"{effect.type} refused: {exc}")
        except ValidationError as exc:
            plugin_log(*where, logging.ERROR, f"{effect.type} refused: {' '.join(exc.messages)}")
        except ObjectDoesNotExist as exc:
            plugin_log(*where, logging.ERROR, f"{effect.type} refused: {exc}")
        else:
            applied += 1
            plugin_log(*where, logging.INFO, f"{effect.type} applied: {outcome}")
    return applied


def consume(event: OutboxEvent) -> None:
    """Outbox consumer: give a lifecycle event to plugins and apply their effects.

    Raises client.RunnerUnavailable when plugins respond but the runner cannot answer, so the
    outbox retries the event later instead of losing it.
    """
    if not registry.anyone_responds_to(event.name):
        return
    if event.depth >= settings.PLUGIN_MAX_CHAIN_DEPTH:
        log.warning(
            "event %s #%s is %d plugin effects deep; not giving it to plugins again", event.name, event.pk, event.depth
        )
        return
    spec = client.EventSpec(
        name=event.name,
        target=event.target_id,
        target_type=event.target_type or None,
        context=event.context,
        actor=event.actor_id or None,
        source=event.source,
        exclude=tuple(event.caused_by),
    )
    [effects] = client.ask_or_raise([spec])
    apply_effects(effects, event=event)
