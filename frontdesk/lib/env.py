"""Read typed values from the environment for `frontdesk.settings`.

Every reader takes the variable name and a default; a malformed value raises
`ImproperlyConfigured` naming the variable, so a typo fails at start-up, not at first use.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

#: Every variable read through this module, so a test can keep docs/configuration.md complete.
READ: set[str] = set()


def envstr(name: str, default: str) -> str:
    """Return the variable's value, or `default` when it is unset."""
    READ.add(name)
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    """Return the variable as a boolean (1/0, true/false, yes/no, on/off).

    Raises ImproperlyConfigured for any other value.
    """
    READ.add(name)
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {raw!r}")


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    """Return the variable as an integer, at least `minimum` when given.

    Raises ImproperlyConfigured when it is not an integer or is below the minimum.
    """
    READ.add(name)
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def envlist(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated variable as a list of stripped, non-empty items."""
    READ.add(name)
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def envsecret(name: str, default: str | None) -> str | None:
    """Return a secret from `NAME`, or from the file named by `NAME_FILE` (Docker/K8s secrets).

    Setting both is an error: it is never clear which one wins.
    """
    READ.add(name)
    READ.add(f"{name}_FILE")
    direct = os.environ.get(name)
    path = os.environ.get(f"{name}_FILE")
    if direct is not None and path is not None:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both")
    if path is not None:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc}") from None
    return direct if direct is not None else default
