"""Plugins shape the portal: widgets on the landing page (isolated in sandboxed iframes), the
menu, and the theme. The runner is replaced by canned answers (see plugins/tests/test_hooks.py
for the combination rules and plugins/tests/test_seed_plugins.py for a real runner)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from constance.test import override_config

from frontdesk.plugins import hooks
from frontdesk.plugins.client import EffectData


def _effect(type_: str, data: dict[str, Any], plugin: str = "acme") -> EffectData:
    return EffectData(type_, json.dumps({"data": data}), plugin, f"{plugin}.h:H")


@pytest.fixture
def plugin_answers(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[EffectData]]:
    table: dict[str, list[EffectData]] = {}
    monkeypatch.setattr(hooks, "ask", lambda events, **_: [table.get(e.name, []) for e in events])
    return table


def test_it_renders_plugin_widgets_isolated(alice_client: Any, plugin_answers: dict[str, Any]) -> None:
    plugin_answers[hooks.WIDGETS] = [
        _effect(
            "PORTAL_WIDGET", {"content": '<h3>Hello</h3><script>alert("x")</script>', "size": "medium", "priority": 1}
        ),
        _effect("PORTAL_WIDGET", {"url": "https://widgets.example/care", "size": "compact", "priority": 2}),
    ]

    page = alice_client.get("/").content.decode()

    assert 'sandbox="" referrerpolicy="no-referrer"' in page
    assert 'srcdoc="&lt;h3&gt;Hello&lt;/h3&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"' in page
    assert '<script>alert("x")</script>' not in page
    assert 'src="https://widgets.example/care"' in page and 'sandbox="allow-scripts allow-forms allow-popups"' in page
    assert "Upcoming appointments" not in page  # a plugin's widgets replace the defaults


def test_it_keeps_the_default_widgets_when_no_plugin_answers(alice_client: Any, plugin_answers: dict[str, Any]) -> None:
    page = alice_client.get("/").content.decode()

    assert "Upcoming appointments" in page and "Messages" in page


def test_the_menu_follows_the_plugin_and_the_live_settings(alice_client: Any, plugin_answers: dict[str, Any]) -> None:
    plugin_answers[hooks.MENU] = [_effect("SHOW_PATIENT_PORTAL_MENU_ITEMS", {"items": ["messaging"]})]
    assert "My Health" not in alice_client.get("/account/").content.decode()

    plugin_answers[hooks.MENU] = [_effect("SHOW_PATIENT_PORTAL_MENU_ITEMS", {"items": ["my_health"]})]
    assert "My Health" in alice_client.get("/account/").content.decode()
    with override_config(PATIENT_APP_MY_HEALTH=False):
        assert "My Health" not in alice_client.get("/account/").content.decode()


def test_it_applies_a_validated_theme(alice_client: Any, plugin_answers: dict[str, Any]) -> None:
    plugin_answers[hooks.THEME] = [
        _effect(
            "PATIENT_PORTAL__THEME_CONFIGURATION",
            {"brand_color": "#7A1F5C", "corner_radius": 12, "custom_css": ".card{box-shadow:none}"},
        ),
        _effect("PATIENT_PORTAL__THEME_CONFIGURATION", {"page_background_color": "</style><script>x</script>"}, "evil"),
    ]

    page = alice_client.get("/").content.decode()

    assert "--accent: #7A1F5C;" in page and "--radius: 12px;" in page and ".card{box-shadow:none}" in page
    assert "<script>x</script>" not in page


def test_it_asks_once_per_page(alice_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def ask(events: list[Any], **_: Any) -> list[list[EffectData]]:
        calls.append([e.name for e in events])
        return [[] for _ in events]

    monkeypatch.setattr(hooks, "ask", ask)

    alice_client.get("/")

    assert calls == [[hooks.APP_CONFIG, hooks.MENU, hooks.THEME, hooks.WIDGETS]]
