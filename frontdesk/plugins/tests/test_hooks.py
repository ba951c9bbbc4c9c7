"""How portal pages combine plugins' answers (docs/plugins.md, "When several plugins answer").

The runner is replaced by a fake `ask` that returns canned effects, so these tests need no
process and pin the combination rules, the defaults and the validation of untrusted answers.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import RequestFactory

from frontdesk.plugins import hooks
from frontdesk.plugins.client import EffectData

PATIENT = SimpleNamespace(id="a" * 32)


def effect(type_: str, payload: Any, plugin: str = "p1") -> EffectData:
    return EffectData(type_, payload if isinstance(payload, str) else json.dumps(payload), plugin, f"{plugin}.h:H")


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[EffectData]]:
    """Event name → the effects the fake runner answers with; every call is recorded in `asked`."""
    table: dict[str, list[EffectData]] = {}
    asked: list[list[str]] = []

    def fake_ask(events: list[Any], **_: Any) -> list[list[EffectData]]:
        asked.append([e.name for e in events])
        return [table.get(e.name, []) for e in events]

    monkeypatch.setattr(hooks, "ask", fake_ask)
    table["__asked__"] = asked  # type: ignore[assignment]
    return table


def page(widgets: bool = True) -> hooks.PageAnswers:
    return hooks.page_answers(RequestFactory().get("/"), PATIENT, widgets=widgets)


def test_it_uses_the_defaults_when_no_plugin_answers(answers: dict[str, Any]) -> None:
    result = page()

    assert (result.can_schedule_appointments, result.menu_items, result.theme) == (True, None, {})
    assert [w.component for w in result.widgets or []] == ["appointments", "messaging"]


def test_it_asks_a_page_s_questions_in_one_round_trip_and_once_per_request(answers: dict[str, Any]) -> None:
    request = RequestFactory().get("/")
    hooks.page_answers(request, PATIENT, widgets=True)
    hooks.page_answers(request, PATIENT)

    assert answers["__asked__"] == [[hooks.APP_CONFIG, hooks.MENU, hooks.THEME, hooks.WIDGETS]]


def test_it_falls_back_when_the_runner_cannot_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hooks, "ask", lambda events, **_: None)

    assert [w.component for w in page().widgets or []] == ["appointments", "messaging"]


def test_any_false_turns_scheduling_off(answers: dict[str, Any]) -> None:
    config = "PATIENT_PORTAL__APPLICATION_CONFIGURATION"
    answers[hooks.APP_CONFIG] = [
        effect(config, {"data": {"can_schedule_appointments": False}}, "p1"),
        effect(config, {"data": {"can_schedule_appointments": True}}, "p2"),
    ]

    assert page().can_schedule_appointments is False


def test_the_last_menu_wins_and_unknown_items_are_refused(answers: dict[str, Any]) -> None:
    menu = "SHOW_PATIENT_PORTAL_MENU_ITEMS"
    answers[hooks.MENU] = [
        effect(menu, {"data": {"items": ["messaging", "my_health"]}}, "p1"),
        effect(menu, {"data": {"items": ["my_health", "appointments"]}}, "p2"),
        effect(menu, {"data": {"items": ["my_health", "teleport"]}}, "p3"),
    ]

    assert page().menu_items == ["my_health", "appointments"]


def test_theme_fields_merge_and_unsafe_values_are_dropped(answers: dict[str, Any]) -> None:
    theme = "PATIENT_PORTAL__THEME_CONFIGURATION"
    answers[hooks.THEME] = [
        effect(theme, {"data": {"brand_color": "#112233", "corner_radius": 8, "custom_css": ".card{color:red}"}}, "p1"),
        effect(
            theme,
            {
                "data": {
                    "brand_color": "#445566",
                    "menu_text_color": "red",
                    "custom_css": "body{background:url(https://x)}",
                }
            },
            "p2",
        ),
        effect(theme, {"data": {"custom_css": "</style><script>alert(1)</script>", "font_family": "Inter; }"}}, "p3"),
    ]

    assert page().theme == {"brand_color": "#445566", "corner_radius": 8, "custom_css": ".card{color:red}"}


def test_widgets_from_all_plugins_sort_by_priority_then_install_order(answers: dict[str, Any]) -> None:
    w = "PORTAL_WIDGET"
    answers[hooks.WIDGETS] = [
        effect(w, {"data": {"url": "https://a.example/w", "size": "compact", "priority": 50}}, "p1"),
        effect(w, {"data": {"content": "<b>hi</b>", "size": "medium", "priority": 10}}, "p2"),
        effect(w, {"data": {"component": "appointments", "size": "expanded", "priority": 50}}, "p2"),
    ]

    widgets = page().widgets or []

    assert [(x.plugin, x.priority, x.columns) for x in widgets] == [("p2", 10, 8), ("p1", 50, 4), ("p2", 50, 12)]


@pytest.mark.parametrize(
    "data",
    [
        {"url": "javascript:alert(1)"},
        {"url": "http://plain.example"},
        {"url": "https://a", "content": "x"},
        {"component": "appointments", "size": "compact"},
        {"component": "billing"},
        {"content": "x", "size": "huge"},
        {"content": "x", "priority": "first"},
        {},
    ],
)
def test_it_ignores_a_malformed_widget(answers: dict[str, Any], data: dict[str, Any]) -> None:
    answers[hooks.WIDGETS] = [effect("PORTAL_WIDGET", {"data": data})]

    assert [w.component for w in page().widgets or []] == ["appointments", "messaging"]


def test_card_questions_are_batched_and_any_false_wins(answers: dict[str, Any]) -> None:
    cards = [SimpleNamespace(id=f"00000000-0000-0000-0000-{i:012d}", patient_id=1, patient=PATIENT) for i in range(20)]
    answers[hooks.CAN_CANCEL] = [
        effect("PATIENT_PORTAL__APPOINTMENT_IS_CANCELABLE", {"result": True}, "p1"),
        effect("PATIENT_PORTAL__APPOINTMENT_IS_CANCELABLE", {"result": False}, "p2"),
    ]
    answers[hooks.CAN_SHOW_LINK] = [effect("PATIENT_PORTAL__APPOINTMENT_SHOW_MEETING_LINK", {"result": True})]

    flags = hooks.appointment_cards(cards)

    assert len(answers["__asked__"]) == 1 and len(answers["__asked__"][0]) == 60
    assert set(flags.values()) == {hooks.CardFlags(can_cancel=False, can_reschedule=None, show_meeting_link=True)}


def test_form_options_can_only_be_filtered(answers: dict[str, Any]) -> None:
    name = hooks.SEARCHES["providers"]
    offered = [{"id": "s1", "title": "Dr. A"}, {"id": "s2", "title": "Dr. B"}]
    answers[name] = [
        effect(f"{name}_RESULTS", {"providers": [{"id": "s2", "title": "Dr. B"}, {"id": "evil", "title": "Dr. X"}]})
    ]

    assert hooks.filter_form_options(PATIENT, "providers", offered) == [{"id": "s2", "title": "Dr. B"}]


def test_slots_can_only_be_removed(answers: dict[str, Any]) -> None:
    slots = {"s1": {"2026-12-01": [{"start": "09:00", "end": "09:30"}, {"start": "10:00", "end": "10:30"}]}}
    answers[hooks.SLOTS] = [
        effect(
            f"{hooks.SLOTS}_RESULTS",
            {
                "slots_by_provider": {
                    "s1": {"2026-12-01": [{"start": "10:00", "end": "10:30"}, {"start": "23:00", "end": "23:30"}]}
                }
            },
        )
    ]

    assert hooks.filter_slots(PATIENT, slots) == {"s1": {"2026-12-01": [{"start": "10:00", "end": "10:30"}]}}


def test_a_null_slot_answer_means_no_slots(answers: dict[str, Any]) -> None:
    answers[hooks.SLOTS] = [effect(f"{hooks.SLOTS}_RESULTS", "null")]

    assert hooks.filter_slots(PATIENT, {"s1": {"2026-12-01": [{"start": "09:00", "end": "09:30"}]}}) == {}


def test_pre_search_can_replace_the_list_then_post_search_filters_it(answers: dict[str, Any]) -> None:
    post = hooks.SEARCHES["locations"]
    pre = post.replace("__POST_SEARCH", "__PRE_SEARCH")
    offered = [{"id": "l1", "title": "Boston"}, {"id": "l2", "title": "Denver"}, {"id": "l3", "title": "Austin"}]
    answers[pre] = [
        effect(
            f"{pre}_RESULTS",
            {
                "locations": [
                    {"id": "l3", "title": "Austin"},
                    {"id": "l1", "title": "Boston"},
                    {"id": "x", "title": "Nowhere"},
                ]
            },
        )
    ]
    answers[post] = [
        effect(f"{post}_RESULTS", {"locations": [{"id": "l1", "title": "Boston"}, {"id": "l2", "title": "Denver"}]})
    ]

    # PRE chose Austin and Boston; POST keeps Boston and cannot bring back Denver.
    assert hooks.filter_form_options(PATIENT, "locations", offered) == [{"id": "l1", "title": "Boston"}]
    assert answers["__asked__"][-2:] == [[pre], [post]]


def test_the_booking_form_lists_cost_two_round_trips_at_most(answers: dict[str, Any]) -> None:
    lists = {key: [{"id": f"{key}-1", "title": "One"}] for key in hooks.SEARCHES}

    shaped = hooks.filter_form_lists(PATIENT, lists)

    assert shaped == lists
    assert [len(batch) for batch in answers["__asked__"]] == [3, 3]
