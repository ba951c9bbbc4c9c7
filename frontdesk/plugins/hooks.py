"""The portal's questions to plugins: one documented function per question, each answered in one
batched round trip to the runner, each with frontdesk's default when no plugin answers, the
runner is down, or an answer is malformed.

How several plugins' answers combine (plugins answer in install order; docs/plugins.md repeats it):

- Yes/no questions (appointment card buttons, can_schedule_appointments): any "no" wins. For the
  meeting link, any "no" hides it, otherwise any "yes" shows it, otherwise the default applies.
- Application configuration and theme: field by field, a later plugin's value replaces an
  earlier one's; fields nobody set keep the default.
- Menu: the last plugin that answers decides the whole menu (Canvas: the list replaces the
  built-in menu); items must also be switched on in the live settings.
- Widgets: every plugin's widgets together, by priority (lower first), then install order. The
  default widgets appear only when no plugin returns any.
- Search lists (booking form options, slots): handlers filter in turn; each sees the list as the
  previous handler left it (the runner threads it through the event context) and the last
  answer is what the patient sees.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from frontdesk.plugins.client import EffectData, EventSpec, ask

log = logging.getLogger(__name__)

APP_CONFIG = "PATIENT_PORTAL__GET_APPLICATION_CONFIGURATION"
MENU = "PATIENT_PORTAL__MENU_CONFIGURATION"
THEME = "PATIENT_PORTAL__GET_THEME_CONFIGURATION"
WIDGETS = "PATIENT_PORTAL__WIDGET_CONFIGURATION"
CAN_CANCEL = "PATIENT_PORTAL__APPOINTMENT_CAN_BE_CANCELED"
CAN_RESCHEDULE = "PATIENT_PORTAL__APPOINTMENT_CAN_BE_RESCHEDULED"
CAN_SHOW_LINK = "PATIENT_PORTAL__APPOINTMENT_CAN_SHOW_MEETING_LINK"

MENU_ITEMS = ("appointments", "messaging", "my_health", "payments", "labs", "contact", "records")
WIDGET_SIZES = {"expanded": 12, "medium": 8, "compact": 4}
WIDGET_COMPONENTS = ("appointments", "messaging")
HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
FONT = re.compile(r"^[A-Za-z0-9 ,-]{1,200}$")
FONT_SOURCE = re.compile(r"^https://fonts\.googleapis\.com/css2?\?[A-Za-z0-9_:;,@&=+.%-]+$")
CSS_FORBIDDEN = re.compile(r"url\s*\(|@import|image-set\s*\(|@font-face|\\", re.IGNORECASE)
THEME_COLORS = (
    "brand_color",
    "menu_background_color",
    "menu_selected_background_color",
    "menu_text_color",
    "page_background_color",
)


def _patient_event(name: str, patient: Any, **context: Any) -> EventSpec:
    return EventSpec(
        name=name, target=patient.id, target_type="Patient", context={"patient": {"id": patient.id}, **context}
    )


def _data(effect: EffectData) -> dict[str, Any] | None:
    """The `data` object of an SDK-class effect, or None (logged) when malformed."""
    try:
        body = json.loads(effect.payload)
    except json.JSONDecodeError:
        body = None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        log.warning("plugin %s (%s) sent a malformed %s payload; ignored", effect.plugin, effect.handler, effect.type)
        return None
    return data


def _results(effects: Iterable[EffectData], effect_type: str) -> list[Any]:
    """The raw JSON payloads (no "data" envelope) of `effect_type` effects, in order."""
    found = []
    for effect in effects:
        if effect.type != effect_type:
            continue
        try:
            found.append(json.loads(effect.payload))
        except json.JSONDecodeError:
            log.warning(
                "plugin %s (%s) sent a %s payload that is not JSON; ignored", effect.plugin, effect.handler, effect.type
            )
    return found


# --- what portal pages get ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Widget:
    """A landing-page tile: exactly one of url, content or component."""

    size: str
    priority: int
    url: str | None = None
    content: str | None = None
    component: str | None = None
    plugin: str = ""

    @property
    def columns(self) -> int:
        return WIDGET_SIZES[self.size]


DEFAULT_WIDGETS = (
    Widget(size="expanded", priority=10, component="appointments"),
    Widget(size="expanded", priority=20, component="messaging"),
)


@dataclass
class PageAnswers:
    can_schedule_appointments: bool = True
    default_homepage_application_identifier: str | None = None
    menu_items: list[str] | None = None  # None: the built-in menu
    theme: dict[str, Any] = field(default_factory=dict)
    widgets: list[Widget] | None = None  # None: not asked on this page


def _widget(effect: EffectData) -> Widget | None:
    data = _data(effect)
    if data is None:
        return None
    kinds = [k for k in ("url", "content", "component") if data.get(k) is not None]
    size = data.get("size") or "expanded"
    priority = data.get("priority", 100)
    problem = None
    if len(kinds) != 1:
        problem = "needs exactly one of url, content, component"
    elif size not in WIDGET_SIZES:
        problem = f"size {size!r} is not expanded, medium or compact"
    elif not isinstance(priority, int) or isinstance(priority, bool):
        problem = "priority must be an integer"
    elif kinds == ["component"] and (data["component"] not in WIDGET_COMPONENTS or size != "expanded"):
        problem = "components are appointments or messaging, expanded only"
    elif kinds == ["url"] and not _allowed_widget_url(str(data["url"])):
        problem = "url widgets must use https"
    elif kinds == ["content"] and not isinstance(data["content"], str):
        problem = "content must be a string"
    if problem:
        log.warning("plugin %s sent a widget that %s; ignored", effect.plugin, problem)
        return None
    return Widget(
        size=size,
        priority=priority,
        url=data.get("url"),
        content=data.get("content"),
        component=data.get("component"),
        plugin=effect.plugin,
    )


def _allowed_widget_url(url: str) -> bool:
    return url.startswith("https://") or (settings.DEBUG and url.startswith("http://"))


def _theme(data: dict[str, Any]) -> dict[str, Any]:
    """Keep the theme tokens that pass the SDK's own validation (re-checked: the payload is untrusted)."""
    theme: dict[str, Any] = {}
    for name in THEME_COLORS:
        value = data.get(name)
        if isinstance(value, str) and HEX.match(value):
            theme[name] = value
    radius = data.get("corner_radius")
    if isinstance(radius, int) and not isinstance(radius, bool) and 0 <= radius <= 24:
        theme["corner_radius"] = radius
    font = data.get("font_family")
    if isinstance(font, str) and FONT.match(font):
        theme["font_family"] = font
        source = data.get("font_source")
        if isinstance(source, str) and FONT_SOURCE.match(source):
            theme["font_source"] = source
    if data.get("person_word") in ("patient", "member", "client"):
        theme["person_word"] = data["person_word"]
    css = data.get("custom_css")
    if isinstance(css, str) and len(css) <= 50_000 and "<" not in css and not CSS_FORBIDDEN.search(css):
        theme["custom_css"] = css
    return theme


def page_answers(request: HttpRequest, patient: Any, *, widgets: bool = False) -> PageAnswers:
    """What plugins say about this portal page (application config, menu, theme and, when
    `widgets`, the landing page's widgets), asked in one round trip and kept for the request."""
    cached: PageAnswers | None = getattr(request, "_frontdesk_plugin_answers", None)
    if cached is not None and (cached.widgets is not None or not widgets):
        return cached
    names = [APP_CONFIG, MENU, THEME] + ([WIDGETS] if widgets else [])
    results = ask([_patient_event(name, patient) for name in names]) or [[] for _ in names]
    answers = PageAnswers()
    for effect in results[0]:
        if effect.type == "PATIENT_PORTAL__APPLICATION_CONFIGURATION" and (data := _data(effect)) is not None:
            if data.get("can_schedule_appointments") is False:
                answers.can_schedule_appointments = False
            if isinstance(data.get("default_homepage_application_identifier"), str):
                answers.default_homepage_application_identifier = data["default_homepage_application_identifier"]
    for effect in results[1]:
        if effect.type == "SHOW_PATIENT_PORTAL_MENU_ITEMS" and (data := _data(effect)) is not None:
            items = data.get("items")
            if isinstance(items, list) and items and all(i in MENU_ITEMS for i in items):
                answers.menu_items = list(dict.fromkeys(items))
    for effect in results[2]:
        if effect.type == "PATIENT_PORTAL__THEME_CONFIGURATION" and (data := _data(effect)) is not None:
            answers.theme.update(_theme(data))
    if widgets:
        found = [w for e in results[3] if e.type == "PORTAL_WIDGET" and (w := _widget(e)) is not None]
        order = {name: index for index, name in enumerate(dict.fromkeys(w.plugin for w in found))}
        answers.widgets = sorted(found, key=lambda w: (w.priority, order[w.plugin])) if found else list(DEFAULT_WIDGETS)
    request._frontdesk_plugin_answers = answers  # type: ignore[attr-defined]
    return answers


@dataclass(frozen=True)
class CardFlags:
    """What plugins allow on one appointment card (None: no plugin said; use the default)."""

    can_cancel: bool | None = None
    can_reschedule: bool | None = None
    show_meeting_link: bool | None = None


def _combine(values: list[Any]) -> bool | None:
    flags = [v.get("result") for v in values if isinstance(v, dict) and isinstance(v.get("result"), bool)]
    if False in flags:
        return False
    return True if flags else None


def appointment_cards(appointments: Iterable[Any]) -> dict[str, CardFlags]:
    """Ask the three card questions for every appointment in one round trip.

    Returns appointment id (str) → CardFlags; ids with no answers map to CardFlags().
    """
    items = list(appointments)
    events = [
        EventSpec(
            name=name,
            target=str(a.id),
            target_type="Appointment",
            context={"patient": {"id": a.patient.id}} if a.patient_id else {},
        )
        for a in items
        for name in (CAN_CANCEL, CAN_RESCHEDULE, CAN_SHOW_LINK)
    ]
    results = ask(events) if events else []
    flags: dict[str, CardFlags] = {}
    for index, appointment in enumerate(items):
        if not results:
            flags[str(appointment.id)] = CardFlags()
            continue
        cancel, reschedule, link = results[index * 3 : index * 3 + 3]
        flags[str(appointment.id)] = CardFlags(
            can_cancel=_combine(_results(cancel, "PATIENT_PORTAL__APPOINTMENT_IS_CANCELABLE")),
            can_reschedule=_combine(_results(reschedule, "PATIENT_PORTAL__APPOINTMENT_IS_RESCHEDULABLE")),
            show_meeting_link=_combine(_results(link, "PATIENT_PORTAL__APPOINTMENT_SHOW_MEETING_LINK")),
        )
    return flags


SEARCHES = {
    "appointment_types": "PATIENT_PORTAL__APPOINTMENTS__FORM_APPOINTMENT_TYPES__POST_SEARCH",
    "locations": "PATIENT_PORTAL__APPOINTMENTS__FORM_LOCATIONS__POST_SEARCH",
    "providers": "PATIENT_PORTAL__APPOINTMENTS__FORM_PROVIDERS__POST_SEARCH",
}


def _keep_offered(answer: dict[str, Any], key: str, offered: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    kept = [
        offered[str(item["id"])] for item in answer[key] if isinstance(item, dict) and str(item.get("id")) in offered
    ]
    return list({o["id"]: o for o in kept}.values())


def _listed(effects: list[EffectData], event_name: str, key: str) -> dict[str, Any] | None:
    """The last `<event>_RESULTS` answer that carries a `key` list, or None."""
    answers = [
        a for a in _results(effects, f"{event_name}_RESULTS") if isinstance(a, dict) and isinstance(a.get(key), list)
    ]
    return answers[-1] if answers else None


def filter_form_lists(patient: Any, lists: dict[str, list[dict[str, str]]]) -> dict[str, list[dict[str, str]]]:
    """Let plugins shape the booking form's lists (keys: appointment_types, locations, providers).

    First every list's `..._PRE_SEARCH` (no target, no context: a plugin may answer with its own
    list instead of the clinic's), then every `..._POST_SEARCH` with the list so far: two round
    trips for the whole form at most, each only when an enabled plugin responds. Options are
    {"id", "title"} dicts; answers may only keep, drop or reorder them (an id the host did not
    offer is ignored, so a plugin cannot make the portal book the unbookable).
    """
    keys = list(lists)
    names = {key: SEARCHES[key] for key in keys}
    pres = {key: name.replace("__POST_SEARCH", "__PRE_SEARCH") for key, name in names.items()}
    shaped = {key: list(options) for key, options in lists.items()}
    pre_results = ask([EventSpec(name=pres[key]) for key in keys]) or [[] for _ in keys]
    for key, effects in zip(keys, pre_results, strict=True):
        answer = _listed(effects, pres[key], key)
        if answer is not None:
            shaped[key] = _keep_offered(answer, key, {str(o["id"]): o for o in shaped[key]})
    post_results = ask([_patient_event(names[key], patient, **{key: shaped[key]}) for key in keys]) or [
        [] for _ in keys
    ]
    for key, effects in zip(keys, post_results, strict=True):
        answer = _listed(effects, names[key], key)
        if answer is not None:
            shaped[key] = _keep_offered(answer, key, {str(o["id"]): o for o in shaped[key]})
    return shaped


def filter_form_options(patient: Any, key: str, options: list[dict[str, str]]) -> list[dict[str, str]]:
    """One booking-form list through `filter_form_lists`."""
    return filter_form_lists(patient, {key: options})[key]


SLOTS = "PATIENT_PORTAL__APPOINTMENTS__SLOTS__POST_SEARCH"


def filter_slots(
    patient: Any, slots_by_provider: dict[str, dict[str, list[dict[str, str]]]]
) -> dict[str, dict[str, list[dict[str, str]]]]:
    """Let plugins filter open slots ({staff id: {date: [{"start", "end"}]}}); a plugin may only
    remove slots, never add one. The context carries them as a JSON string, as Canvas does."""
    [effects] = ask([_patient_event(SLOTS, patient, slots_by_provider=json.dumps(slots_by_provider))]) or [[]]
    answers = _results(effects, f"{SLOTS}_RESULTS")
    if not answers:
        return slots_by_provider
    last = answers[-1]
    if last is None:
        return {}
    proposed = last.get("slots_by_provider") if isinstance(last, dict) else None
    if isinstance(proposed, str):
        try:
            proposed = json.loads(proposed)
        except json.JSONDecodeError:
            proposed = None
    if not isinstance(proposed, dict):
        return slots_by_provider
    offered = {
        (p, d, s.get("start"), s.get("end"))
        for p, days in slots_by_provider.items()
        for d, slots in days.items()
        for s in slots
    }
    kept: dict[str, dict[str, list[dict[str, str]]]] = {}
    for provider, days in proposed.items():
        for day, slots in (days or {}).items() if isinstance(days, dict) else []:
            for slot in slots if isinstance(slots, list) else []:
                if isinstance(slot, dict) and (provider, day, slot.get("start"), slot.get("end")) in offered:
                    kept.setdefault(provider, {}).setdefault(day, []).append(
                        {"start": slot["start"], "end": slot["end"]}
                    )
    return kept
