"""Asking the plugin runner: the only way web and worker processes reach plugin code.

`ask(events)` sends one batch (one round trip, whatever the number of events) and returns, for
each event, the effects plugins answered with. Before connecting it checks the registry: when no
enabled plugin responds to any of the events, it answers at once without a round trip. When the
runner is down, slow or broken, `ask` returns None and callers use their defaults; `ask_or_raise`
is for the events worker, which must retry rather than lose an event.
"""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from frontdesk.plugins import registry, wire

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventSpec:
    """One event to put to plugins (Canvas's name, target, target type and context)."""

    name: str
    target: str = ""
    target_type: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    actor: str | None = None
    source: str = ""
    exclude: tuple[str, ...] = ()  # "plugin:pkg.mod:Class" handlers that must not receive it

    def as_wire(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "target": self.target,
            "target_type": self.target_type,
            "context": self.context,
            "actor": self.actor,
            "source": self.source,
            "exclude": list(self.exclude),
        }


@dataclass(frozen=True)
class EffectData:
    type: str
    payload: str
    plugin: str
    handler: str


class RunnerUnavailable(Exception):
    """The runner could not answer (not running, timed out, or sent something unreadable)."""


def _round_trip(events: list[EventSpec], timeout: float) -> list[list[EffectData]]:
    path = Path(settings.PLUGIN_RUNNER_SOCKET)
    started = time.monotonic()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            wire.send(sock, {"events": [e.as_wire() for e in events]})
            response = wire.receive(sock)
    except (OSError, wire.WireError) as exc:
        raise RunnerUnavailable(f"plugin runner at {path}: {exc}") from None
    try:
        results = [
            [EffectData(e["type"], e["payload"], e["plugin"], e["handler"]) for e in result["effects"]]
            for result in response["results"]
        ]
    except (KeyError, TypeError) as exc:
        raise RunnerUnavailable(f"plugin runner sent an unreadable answer: {exc!r}") from None
    if len(results) != len(events):
        raise RunnerUnavailable("plugin runner answered a different number of events")
    log.debug("plugin runner answered %d event(s) in %.1f ms", len(events), (time.monotonic() - started) * 1000)
    return results


def ask_or_raise(events: list[EventSpec], *, timeout: float | None = None) -> list[list[EffectData]]:
    """Return each event's effects. Raises RunnerUnavailable when plugins respond but cannot answer."""
    routed = [i for i, e in enumerate(events) if registry.anyone_responds_to(e.name)]
    answers: list[list[EffectData]] = [[] for _ in events]
    if not routed:
        return answers
    wait = timeout if timeout is not None else settings.PLUGIN_EVENT_TIMEOUT_MS / 1000
    for index, result in zip(routed, _round_trip([events[i] for i in routed], wait), strict=True):
        answers[index] = result
    return answers


def ask(events: list[EventSpec], *, timeout: float | None = None) -> list[list[EffectData]] | None:
    """Return each event's effects, or None when the runner cannot answer (callers use defaults)."""
    try:
        return ask_or_raise(events, timeout=timeout if timeout is not None else settings.PLUGIN_PAGE_TIMEOUT_MS / 1000)
    except RunnerUnavailable as exc:
        log.warning("%s; using the portal's defaults", exc)
        return None
