"""`render_to_string`: render a template file of the calling plugin (`canvas_sdk.templates.utils`).

Templates are named relative to the plugin's directory and must stay inside it (as must their
`{% include %}`s and `{% extends %}`, symlinks resolved). They are rendered by a standalone
Django engine with autoescaping on and the builtin filter `sanitize_html`.
"""

from __future__ import annotations

import sys
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
    return template.render(Context(context or {}))


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
