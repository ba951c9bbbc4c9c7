"""docs/plugins.md lists every event frontdesk sends to plugins and every effect it uses."""

from __future__ import annotations

import re
from pathlib import Path

from frontdesk.plugins import appliers, hooks
from frontdesk.sdk.effects import EffectType
from frontdesk.sdk.events import EventType

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "docs" / "plugins.md").read_text()
SENDERS = ["frontdesk/clinic", "frontdesk/accounts", "frontdesk/scheduling", "frontdesk/plugins/hooks.py"]


def _table_names(heading: str) -> set[str]:
    section = DOC.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z_]+)`", section, flags=re.MULTILINE))


def _literals() -> set[str]:
    found: set[str] = set()
    for place in SENDERS:
        path = ROOT / place
        for source in [path] if path.is_file() else [p for p in path.rglob("*.py") if "tests" not in p.parts]:
            found |= set(re.findall(r'"([A-Z][A-Z_]+)"', source.read_text()))
    return found


def test_it_documents_every_event_frontdesk_sends() -> None:
    sent = _literals() & set(EventType.keys())
    assert sent, "expected event names in the services and hooks"
    missing = sorted(sent - _table_names("Events frontdesk sends to plugins"))
    assert not missing, f"add to docs/plugins.md: {missing}"


def test_it_documents_every_effect_frontdesk_uses() -> None:
    used = (_literals() & set(EffectType.keys())) | set(appliers.APPLIERS)
    used |= {f"{name}_RESULTS" for name in [*hooks.SEARCHES.values(), hooks.SLOTS]}
    assert used <= set(EffectType.keys()), sorted(used - set(EffectType.keys()))
    missing = sorted(used - _table_names("Effects frontdesk uses"))
    assert not missing, f"add to docs/plugins.md: {missing}"


def test_it_documents_only_real_names() -> None:
    assert _table_names("Events frontdesk sends to plugins") <= set(EventType.keys())
    assert _table_names("Effects frontdesk uses") <= set(EffectType.keys())
