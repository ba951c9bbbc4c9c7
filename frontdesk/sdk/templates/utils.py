"""`render_to_string`: render a template file of the calling plugin (`canvas_sdk.templates.utils`).

Templates are named relative to the plugin's directory and must stay inside it (as must their
`{% include %}`s and `{% extends %}`, symlinks resolved). They are rendered by a standalone
Django engine with autoescaping on and the builtin filter `sanitize_html`.
"""

from __future__ import annotations

import datetime
import decimal
import inspect
import sys
import types
import uuid
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.template import Context, Engine, Origin
from django.template.loaders.filesystem import Loader as FilesystemLoader


def render_to_string(
    template_name: str, context: dict[str, Any] | None = None, *, plugin_dir: str | None = None
) -> str:
    """Return the template `template_name` of the calling plugin rendered with `context`.

    `plugin_dir` names the plugin directory explicitly (the host and tests); otherwise it is the
    `__plugin_dir__` of the nearest calling plugin module. Raises PermissionError("Invalid
    template '<name>'") for a name that leaves the plugin directory, FileNotFoundError("Template
    <name> not found.") for a missing file, and RuntimeError when called outside plugin code
    without `plugin_dir`.
    """
    root = Path(plugin_dir if plugin_dir is not None else _calling_plugin_dir()).resolve()
    path = (root / template_name).resolve()
    if Path(template_name).is_absolute() or not path.is_relative_to(root):
        raise PermissionError(f"Invalid template '{template_name}'")
    if not path.is_file():
        raise FileNotFoundError(f"Template {template_name} not found.")
    template = _engine(str(root)).get_template(path.relative_to(root).as_posix())
    return template.render(Context({key: template_safe(value) for key, value in (context or {}).items()}))


#: Never shown to templates: credentials and verification secrets of frontdesk's models.
PRIVATE_NAMES = frozenset({"password", "session_epoch", "verification_token"})
_PLAIN = (
    str,
    int,
    float,
    bool,
    type(None),
    decimal.Decimal,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    uuid.UUID,
)


def template_safe(value: Any) -> Any:
    """What a template may see of a context value. Plain data passes as it is; containers are
    converted item by item; any other object is wrapped so that the template engine (which does
    not run under the plugin sandbox's rules) cannot walk from it to modules, private fields or
    names starting with "_"; modules, classes and functions are refused outright."""
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, dict):
        return {k: template_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [template_safe(v) for v in value]
    if isinstance(value, types.ModuleType | type) or inspect.isroutine(value):
        raise TypeError(
            f"render_to_string context values must be data, not {type(value).__name__} {getattr(value, '__name__', '')}"
        )
    return _Shielded(value)


class _Shielded:
    """A read-only view of an object for templates: public, non-private attributes only, each
    result shielded in turn; iteration, length, truth and text work as on the object."""

    __slots__ = ("_target",)

    def __init__(self, target: Any) -> None:
        object.__setattr__(self, "_target", target)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in PRIVATE_NAMES:
            raise AttributeError(name)
        value = getattr(self._target, name)
        if isinstance(value, types.ModuleType | type):
            raise AttributeError(name)
        if getattr(value, "alters_data", False):
            raise AttributeError(name)  # e.g. save(), delete(): never from a template
        if getattr(value, "do_not_call_in_templates", False):
            return _Shielded(value)  # e.g. related managers: used as `x.telecom.all`, never called
        if callable(value):
            # Templates call what they find with no arguments; call it here and shield the result.
            return lambda: template_safe(value())
        return template_safe(value)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str) and (key.startswith("_") or key in PRIVATE_NAMES):
            raise KeyError(key)
        return template_safe(self._target[key])

    def __iter__(self) -> Iterator[Any]:
        return (template_safe(item) for item in self._target)

    def __len__(self) -> int:
        return len(self._target)

    def __bool__(self) -> bool:
        return bool(self._target)

    def __str__(self) -> str:
        return str(self._target)

    def __eq__(self, other: object) -> bool:
        return bool(self._target == (other._target if isinstance(other, _Shielded) else other))

    def __hash__(self) -> int:
        return hash(self._target)


def _calling_plugin_dir() -> str:
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_globals.get("__is_plugin__") and frame.f_globals.get("__plugin_dir__"):
            return str(frame.f_globals["__plugin_dir__"])
        frame = frame.f_back  # type: ignore[assignment]
    raise RuntimeError("render_to_string() was not called from plugin code and got no plugin_dir")


class _ContainedLoader(FilesystemLoader):
    """The filesystem loader, refusing any file whose real path leaves the template directory."""

    def get_template_sources(self, template_name: str) -> Iterator[Origin]:
        for origin in super().get_template_sources(template_name):
            root = Path(self.get_dirs()[0]).resolve()
            if Path(origin.name).resolve().is_relative_to(root):
                yield origin


@lru_cache(maxsize=64)
def _engine(root: str) -> Engine:
    # Not the cached loader: a reinstalled plugin's templates must be read afresh.
    return Engine(
        dirs=[root],
        loaders=[f"{__name__}._ContainedLoader"],
        builtins=["frontdesk.sdk.templates.filters"],
        autoescape=True,
    )
