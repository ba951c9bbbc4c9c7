"""Serve `canvas_sdk.*` and `logger` from `frontdesk.sdk`, so plugin code imports run unchanged.

`install()` puts a finder first on `sys.meta_path`: `import canvas_sdk.effects.widgets` then
returns the very module object `frontdesk.sdk.effects.widgets` (registered in `sys.modules`
under both names), and `from logger import log` gets `frontdesk.sdk.logger.log`. Names with no
frontdesk module fail with ModuleNotFoundError as usual. The sandbox uses `real_name` for the same mapping.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

PACKAGE = "frontdesk.sdk"

#: Top-level plugin-facing name -> the frontdesk module serving it.
ROOTS = {"canvas_sdk": PACKAGE, "logger": f"{PACKAGE}.logger"}


def real_name(name: str) -> str | None:
    """Return the frontdesk module serving the plugin-facing module `name`, or None if none does.

    `real_name("canvas_sdk.effects.widgets") == "frontdesk.sdk.effects.widgets"`; the result
    is not checked for existence.
    """
    root, dot, rest = name.partition(".")
    if root not in ROOTS:
        return None
    return ROOTS[root] + dot + rest


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, real: str) -> None:
        self.real = real
        self.real_spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.real)
        self.real_spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The import system has just stamped the alias spec on the shared module: give it its own
        # back, so that reload(), pickling and tracebacks keep seeing the frontdesk module.
        module.__spec__ = self.real_spec


class AliasFinder(importlib.abc.MetaPathFinder):
    """Find `canvas_sdk.*` and `logger` modules as their `frontdesk.sdk` counterparts."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        real = real_name(fullname)
        if real is None:
            return None
        try:
            real_spec = importlib.util.find_spec(real)
        except ModuleNotFoundError:
            real_spec = None
        if real_spec is None:
            return None  # the import system then reports "No module named ..."
        spec = importlib.machinery.ModuleSpec(
            fullname, _AliasLoader(real), is_package=real_spec.submodule_search_locations is not None
        )
        spec.submodule_search_locations = real_spec.submodule_search_locations
        return spec


def install() -> None:
    """Register the alias finder first on `sys.meta_path` (once; calling again does nothing)."""
    if not any(isinstance(finder, AliasFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, AliasFinder())
