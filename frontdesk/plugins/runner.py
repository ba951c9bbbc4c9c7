"""The plugin runner: the only process that executes plugin code.

`python -m frontdesk.plugins.runner` (started by `frontdesk serve`, or `frontdesk plugin_runner`)
opens a Unix socket and forks a pool of worker processes that take turns accepting connections.
Each connection carries one request (a batch of events) and gets one response (each event's
effects). Workers:

- connect to the database read-only (FRONTDESK_DB_READ_ONLY, set before Django starts);
- load enabled plugins through the sandbox, and reload them when the plugin generation file
  changes (install, enable, disable, uninstall); a version that fails to load leaves the previous
  one in place;
- run every handler call under a CPU timer (SIGPROF), a wall-clock timer (SIGALRM) and an
  address-space limit (RLIMIT_AS), and cap the size of what it returns. A handler that raises,
  overruns or returns junk has its effects dropped and logged with plugin and handler named; the
  other handlers still answer.

The supervising process restarts workers that die and kills one stuck past its hard deadline
(code that never returns to the interpreter, where the timers cannot reach).
"""

from __future__ import annotations

import ctypes
import json
import logging
import multiprocessing
import os
import resource
import signal
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from frontdesk.plugins.logs import current_call, plugin_log

log = logging.getLogger("frontdesk.plugins.runner")


class LimitExceeded(BaseException):
    """Raised inside plugin code when a per-call limit runs out (BaseException: `except Exception`
    in the plugin cannot swallow it)."""


@dataclass(frozen=True)
class Limits:
    wall_seconds: float
    cpu_seconds: float
    memory_bytes: int
    max_output_bytes: int

    @classmethod
    def from_settings(cls) -> Limits:
        from django.conf import settings

        return cls(
            wall_seconds=settings.PLUGIN_TIMEOUT_MS / 1000,
            cpu_seconds=settings.PLUGIN_CPU_MS / 1000,
            memory_bytes=settings.PLUGIN_MEMORY_MB * 1024 * 1024,
            max_output_bytes=settings.PLUGIN_MAX_OUTPUT_KB * 1024,
        )


def _on_limit(signum: int, frame: FrameType | None) -> None:
    what = "CPU time" if signum == signal.SIGPROF else "time"
    raise LimitExceeded(f"ran out of {what}")


@contextmanager
def limited(limits: Limits) -> Iterator[None]:
    """Run the block under the CPU and wall-clock timers; they raise LimitExceeded inside it."""
    signal.setitimer(signal.ITIMER_PROF, limits.cpu_seconds)
    signal.setitimer(signal.ITIMER_REAL, limits.wall_seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)


# --- loading plugins --------------------------------------------------------------------------------


@dataclass
class LoadedVersion:
    name: str
    digest: str
    secrets: dict[str, Any]
    routes: dict[str, list[tuple[str, type]]]  # event name -> [(handler ref, class)]


@dataclass
class PluginSet:
    """The plugins this worker has loaded, refreshed when the generation file changes."""

    versions: dict[str, LoadedVersion] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    generation: int = -1

    def refresh(self, generation_file: Path) -> None:
        from frontdesk.plugins.models import Plugin
        from frontdesk.plugins.registry import current_generation

        mtime = current_generation(generation_file)
        if mtime == self.generation:
            return

        rows = list(Plugin.objects.enabled().order_by("install_order", "name"))
        wanted = {row.name for row in rows}
        for gone in set(self.versions) - wanted:
            del self.versions[gone]
        for row in rows:
            current = self.versions.get(row.name)
            if current is not None and current.digest == row.digest:
                current.secrets = dict(row.secrets)
                continue
            loaded = load_version(row.name, Path(row.package_dir), row.handlers, row.digest, row.secrets)
            if loaded is not None:
                self.versions[row.name] = loaded
            # else: keep whatever version was loaded before (none, or the previous one)
        self.order = [row.name for row in rows if row.name in self.versions]
        self.generation = mtime

    def handlers_for(self, event_name: str) -> Iterator[tuple[LoadedVersion, str, type]]:
        for name in self.order:
            version = self.versions[name]
            for ref, cls in version.routes.get(event_name, []):
                yield version, ref, cls


def responds_to(cls: type) -> list[str]:
    """The event names a handler class is routed for (a name or a list of names; else none)."""
    value = getattr(cls, "RESPONDS_TO", None)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def load_version(
    name: str, directory: Path, handler_refs: list[str], digest: str, secrets: dict[str, Any]
) -> LoadedVersion | None:
    """Load one plugin version through the sandbox; None (and a log line) if nothing loads."""
    from frontdesk.plugins.sandbox import PluginLoadError, load_plugin

    try:
        loaded = load_plugin(directory, name=name, handler_refs=list(handler_refs))
    except PluginLoadError as exc:
        plugin_log(name, "", "", logging.ERROR, f"plugin did not load: {exc}")
        return None
    for ref, why in loaded.errors.items():
        plugin_log(name, ref, "", logging.ERROR, why)
    if loaded.errors:
        plugin_log(
            name,
            "",
            "",
            logging.WARNING,
            f"loaded with errors ({len(loaded.handlers)}/{len(handler_refs)} handlers loaded successfully)",
        )
    routes: dict[str, list[tuple[str, type]]] = {}
    for ref, cls in loaded.handlers.items():
        for event_name in responds_to(cls):
            routes.setdefault(event_name, []).append((ref, cls))
    return LoadedVersion(name=name, digest=digest, secrets=dict(secrets), routes=routes)


# --- handling events -------------------------------------------------------------------------------


def _effect_type_name(value: Any) -> str:
    from frontdesk.sdk.effects import EffectType

    if isinstance(value, str):
        EffectType.Value(value)  # raises ValueError for an unknown name
        return value
    return str(EffectType.Name(int(value)))


def _environment() -> dict[str, str]:
    from django.conf import settings

    return {
        "CUSTOMER_IDENTIFIER": settings.CUSTOMER_IDENTIFIER,
        "INSTALLATION_TIME_ZONE": settings.INSTALLATION_TIME_ZONE,
    }


def handle_event(spec: dict[str, Any], plugins: PluginSet, limits: Limits) -> dict[str, Any]:
    """Run every routed handler for one event; return {"effects": [...], "errors": [...]}.

    Each effect is {"type": EffectType name, "payload": str, "plugin": name, "handler": ref}.
    """
    from frontdesk.sdk.events import Event

    name = spec["name"]
    exclude = set(spec.get("exclude", []))
    only = spec.get("plugin")
    effects: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    for version, ref, cls in plugins.handlers_for(name):
        if f"{version.name}:{ref}" in exclude or (only and version.name != only):
            continue
        token = current_call.set((version.name, ref, name))
        answer: list[dict[str, Any]] | BaseException
        try:
            answer = _call_handler(cls, spec, version, limits, Event)
        except BaseException as exc:  # plugin code may raise anything, LimitExceeded and SystemExit included
            answer = exc
        finally:
            current_call.reset(token)
        if isinstance(answer, BaseException):
            message = f"{type(answer).__name__}: {answer}"
            plugin_log(
                version.name,
                ref,
                name,
                logging.ERROR,
                f"handler failed, its effects were dropped: {message}",
                exc=not isinstance(answer, LimitExceeded),
            )
            errors.append({"plugin": version.name, "handler": ref, "error": message})
            continue
        effects.extend(answer)
        if name.endswith(("__PRE_SEARCH", "__POST_SEARCH")):
            spec = _thread_results(spec, answer)
    return {"effects": effects, "errors": errors}


def _thread_results(spec: dict[str, Any], effects: list[dict[str, Any]]) -> dict[str, Any]:
    """Give the next handler of a search event the list as this one left it (last result wins)."""
    results = [e for e in effects if e["type"] == f"{spec['name']}_RESULTS"]
    if not results:
        return spec
    try:
        answer = json.loads(results[-1]["payload"])
    except json.JSONDecodeError:
        return spec
    context = dict(spec.get("context") or {})
    if answer is None:
        answer = {key: ({} if key == "slots_by_provider" else []) for key in context if key != "patient"}
    if not isinstance(answer, dict):
        return spec
    for key, value in answer.items():
        # Canvas passes slots as a JSON string in the context; keep each key's original form.
        context[key] = json.dumps(value) if isinstance(context.get(key), str) and not isinstance(value, str) else value
    return {**spec, "context": context}


def _call_handler(
    cls: type, spec: dict[str, Any], version: LoadedVersion, limits: Limits, event_class: Any
) -> list[dict[str, Any]]:
    event = event_class.from_parts(
        type=spec["name"],
        target=spec.get("target") or "",
        target_type=spec.get("target_type"),
        context=spec.get("context"),
        actor=spec.get("actor"),
        source=spec.get("source", ""),
    )
    with limited(limits):
        handler = cls(event, dict(version.secrets), _environment())
        if not handler.accept_event():
            return []
        result = handler.compute()
        if result is None:
            plugin_log(
                version.name,
                f"{cls.__module__}:{cls.__qualname__}",
                spec["name"],
                logging.WARNING,
                "returned None from compute(); expected an iterable of effects. Treating as an empty list.",
            )
            return []
        effects = []
        size = 0
        for effect in result:
            type_name = _effect_type_name(effect.type)
            payload = effect.payload
            if not isinstance(payload, str):
                raise TypeError(f"effect {type_name} has a {type(payload).__name__} payload; expected a JSON string")
            size += len(payload)
            if size > limits.max_output_bytes:
                raise LimitExceeded(f"returned more than {limits.max_output_bytes // 1024} KiB of effects")
            effects.append(
                {
                    "type": type_name,
                    "payload": payload,
                    "plugin": version.name,
                    "handler": f"{cls.__module__}:{cls.__qualname__}",
                }
            )
    return effects


def handle_request(
    request: dict[str, Any], plugins: PluginSet, limits: Limits, generation_file: Path
) -> dict[str, Any]:
    plugins.refresh(generation_file)
    return {"results": [handle_event(spec, plugins, limits) for spec in request.get("events", [])]}


# --- processes --------------------------------------------------------------------------------------


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the supervisor dies (else it would outlive it, holding
    the old socket and the parent's output pipes)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the supervisor died before prctl took effect
        os._exit(0)


def worker_main(listener: socket.socket, busy_since: Any, limits: Limits, generation_file: Path) -> None:
    """One worker: accept a connection, answer its request, repeat."""
    from django.db import close_old_connections

    from frontdesk.plugins import wire

    _die_with_parent()
    signal.signal(signal.SIGPROF, _on_limit)
    signal.signal(signal.SIGALRM, _on_limit)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    plugins = PluginSet()
    plugins.refresh(generation_file)  # load before taking traffic
    while True:
        conn, _ = listener.accept()
        busy_since.value = time.monotonic()
        try:
            with conn:
                conn.settimeout(5)
                request = wire.receive(conn)
                close_old_connections()
                wire.send(conn, handle_request(request, plugins, limits, generation_file))
        except (wire.WireError, OSError) as exc:
            log.warning("plugin runner: dropped a request: %s", exc)
        except MemoryError:
            log.error("plugin runner: out of memory answering a request; restarting this worker")
            os._exit(3)
        finally:
            busy_since.value = 0.0


def serve(socket_path: Path, workers: int) -> None:
    """Supervise `workers` worker processes on `socket_path` until SIGTERM/SIGINT."""
    import django
    from django.conf import settings
    from django.db import connections

    limits = Limits.from_settings()
    generation_file = Path(settings.PLUGINS_DIR) / "generation"
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    if socket_path.exists():
        socket_path.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(socket_path))
    os.chmod(socket_path, 0o660)
    listener.listen(128)
    connections.close_all()  # every worker opens its own
    ctx = multiprocessing.get_context("fork")
    hard_deadline = limits.wall_seconds * 2 + 2
    slots: list[tuple[Any, Any]] = []

    def start(index: int) -> tuple[Any, Any]:
        busy = ctx.Value("d", 0.0, lock=False)
        proc = ctx.Process(
            target=worker_main,
            args=(listener, busy, limits, generation_file),
            name=f"plugin-worker-{index}",
            daemon=True,
        )
        proc.start()
        return proc, busy

    slots = [start(i) for i in range(workers)]
    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("plugin runner listening on %s with %d workers (django %s)", socket_path, workers, django.get_version())
    while not stopping:
        for index, (proc, busy) in enumerate(slots):
            started = busy.value
            if proc.is_alive() and started and time.monotonic() - started > hard_deadline:
                log.error("plugin runner: worker %s stuck for %.1fs; killing it", proc.pid, time.monotonic() - started)
                proc.kill()
                proc.join(1)
            if not proc.is_alive():
                log.warning("plugin runner: worker %s exited (%s); starting a new one", proc.pid, proc.exitcode)
                slots[index] = start(index)
        time.sleep(0.1)
    for proc, _ in slots:
        proc.terminate()
    for proc, _ in slots:
        proc.join(2)
    listener.close()
    if socket_path.exists():
        socket_path.unlink()


def check_main(directory: Path, name: str, handler_refs: list[str]) -> dict[str, Any]:
    """Install-time check (run in a child process): load the package fully through the sandbox.

    Returns {"problems": [...], "responds_to": [...]}; a package with problems is not installed.
    """
    from frontdesk.plugins.sandbox import check_plugin, load_plugin

    limits = Limits.from_settings()
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (30, 31))
    problems = list(check_plugin(directory, name=name, handler_refs=handler_refs))
    events: set[str] = set()
    if not problems:
        loaded = load_plugin(directory, name=name, handler_refs=handler_refs)
        problems = [f"{ref}: {why}" for ref, why in loaded.errors.items()]
        for ref, cls in loaded.handlers.items():
            names = responds_to(cls)
            if not names:
                problems.append(f"{ref}: has no RESPONDS_TO (an event name or a list of names), so it would never run")
            events.update(names)
    return {"problems": problems, "responds_to": sorted(events)}


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    # Before Django reads its settings: every connection of this process tree is read-only.
    os.environ["FRONTDESK_DB_READ_ONLY"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    import django

    django.setup()
    from django.conf import settings

    if args[:1] == ["--check"]:
        directory, name, *refs = args[1:]
        print(json.dumps(check_main(Path(directory), name, refs)))
        return
    logging.basicConfig(level=settings.LOG_LEVEL)
    socket_path = Path(args[0]) if args else Path(settings.PLUGIN_RUNNER_SOCKET)
    serve(socket_path, settings.PLUGIN_WORKERS)


if __name__ == "__main__":
    main()
