"""What plugin code may import: the Canvas sandbox's allow-list, as data.

Two sources, both facts about Canvas's sandbox (reference: canvas-plugin-sdk.md §5):

- `canvas_sdk_allowed_imports.txt` (next to this file, copied from Canvas's list): every
  importable `canvas_sdk` module and `logger`, each with the names plugins may import from it
  (a `*` token means `import *` is allowed from that module).
- `STANDARD` below: the standard-library and third-party modules plugins may import. A rule with
  `names=None` allows the module's public API (its `__all__`, else every name not starting with
  "_") minus `denied`; a rule with `names` allows exactly those names.

Where §5 only names a module, frontdesk allows its public API but denies the few members that
would reach the file system, raw SQL or unrestricted evaluation (see `denied`); where §5 lists
names, exactly those. `math` is not importable but is reachable as a builtin (RestrictedPython's
utility builtins), so its attributes are allowed too (`ATTRIBUTE_ONLY`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

CANVAS_LIST = Path(__file__).with_name("canvas_sdk_allowed_imports.txt")

#: Top-level names served by frontdesk.sdk.
CANVAS_ROOTS = ("canvas_sdk", "logger")


@dataclass(frozen=True)
class ModuleRule:
    """Which names a plugin may take from one module."""

    names: frozenset[str] | None = None  # None: the module's public API
    denied: frozenset[str] = frozenset()
    star: bool = True  # `from module import *` allowed

    def allows(self, name: str, module: ModuleType | None = None) -> bool:
        """Return whether `name` may be imported from (or read on) the module."""
        if name in self.denied:
            return False
        if self.names is not None:
            return name in self.names
        if name.startswith("_"):
            return False
        exported = getattr(module, "__all__", None) if module is not None else None
        if isinstance(exported, (list, tuple)):
            return name in exported
        return True

    def public_names(self, module: ModuleType) -> list[str]:
        """Return the names `from module import *` binds under this rule."""
        if self.names is not None:
            candidates = sorted(self.names)
        else:
            exported = getattr(module, "__all__", None)
            candidates = list(exported) if isinstance(exported, (list, tuple)) else sorted(vars(module))
        return [n for n in candidates if self.allows(n, module) and n != "*" and hasattr(module, n)]


def _names(*names: str) -> frozenset[str]:
    return frozenset(names)


ALL = ModuleRule()

# Concrete field classes plugins declare custom-data models with ("fields..." in §5). File and
# path fields are left out: they reach the file system.
_DJANGO_FIELDS = _names(
    "AutoField", "BigAutoField", "BigIntegerField", "BinaryField", "BooleanField", "CharField",
    "DateField", "DateTimeField", "DecimalField", "DurationField", "EmailField", "FloatField",
    "GenericIPAddressField", "IntegerField", "JSONField", "PositiveBigIntegerField",
    "PositiveIntegerField", "PositiveSmallIntegerField", "SlugField", "SmallAutoField",
    "SmallIntegerField", "TextField", "TimeField", "URLField", "UUIDField",
    "ForeignKey", "OneToOneField", "ManyToManyField",
    "CASCADE", "PROTECT", "RESTRICT", "SET", "SET_DEFAULT", "SET_NULL", "DO_NOTHING",
)  # fmt: skip

STANDARD: dict[str, ModuleRule] = {
    # standard library
    "__future__": ALL,
    "abc": ALL,
    "base64": ALL,
    "bisect": ALL,
    "collections": ModuleRule(names=_names("Counter", "defaultdict", "OrderedDict")),
    "copy": ALL,
    "dataclasses": ALL,
    "datetime": ALL,
    "dateutil": ModuleRule(names=_names("relativedelta")),
    "dateutil.relativedelta": ALL,
    "decimal": ALL,
    "enum": ModuleRule(names=_names("Enum", "StrEnum")),
    "functools": ModuleRule(names=_names("reduce", "wraps")),
    "hashlib": ModuleRule(names=_names("sha1", "sha256")),
    "hmac": ALL,
    "http": ModuleRule(names=_names("HTTPStatus")),
    "html": ALL,
    # §5 names `io` only: in-memory streams, not io.open / FileIO.
    "io": ModuleRule(names=_names("BytesIO", "StringIO", "SEEK_SET", "SEEK_CUR", "SEEK_END", "UnsupportedOperation")),
    "json": ModuleRule(names=_names("dump", "dumps", "load", "loads", "JSONDecodeError")),
    "operator": ModuleRule(names=_names("and_", "or_")),
    "random": ALL,
    "re": ALL,
    "secrets": ALL,
    "statistics": ModuleRule(names=_names("median")),
    # string.Formatter reads arbitrary attributes from format strings.
    "string": ModuleRule(denied=_names("Formatter")),
    "time": ALL,
    "traceback": ModuleRule(names=_names("format_exc")),
    # A ForwardRef may name a host module to evaluate in; everything else in typing is data.
    "typing": ModuleRule(denied=_names("ForwardRef")),
    "urllib.parse": ALL,
    "uuid": ALL,
    # parse/iterparse/ElementTree.write take file names.
    "xml.etree.ElementTree": ModuleRule(denied=_names("parse", "iterparse", "ElementTree")),
    "defusedxml.ElementTree": ModuleRule(denied=_names("parse", "iterparse", "ElementTree")),
    "zlib": ALL,
    # reset_tzpath would change where every plugin (and the host) reads time zones from.
    "zoneinfo": ModuleRule(denied=_names("reset_tzpath")),
    # third party
    "arrow": ALL,
    "certifi": ALL,
    "django.core.exceptions": ALL,
    "django.db.models": ModuleRule(
        names=_names("Q", "F", "Count", "Exists", "OuterRef", "Subquery", "Value", "Case", "When", "Window", "Model")
        | _DJANGO_FIELDS
    ),
    "django.db.models.functions": ALL,
    # Not get_connection/connections: a connection runs any SQL.
    "django.db.transaction": ModuleRule(
        names=_names(
            "atomic",
            "on_commit",
            "savepoint",
            "savepoint_commit",
            "savepoint_rollback",
            "get_rollback",
            "set_rollback",
            "mark_for_rollback_on_error",
            "get_autocommit",
            "TransactionManagementError",
        )
    ),
    "django.utils.timezone": ALL,
    "jwt": ALL,
    # ImportString imports whatever a validated string names.
    "pydantic": ModuleRule(denied=_names("ImportString")),
    "rapidfuzz": ALL,
    "requests": ALL,
    "snowflake.connector": ALL,
}

#: Every module below one of these prefixes (and the prefix module itself) is allowed wholesale.
PREFIXES: dict[str, ModuleRule] = {"email.mime": ALL}

#: Modules plugin code reaches as builtins without importing them.
ATTRIBUTE_ONLY: dict[str, ModuleRule] = {"math": ALL}


@cache
def canvas_rules() -> dict[str, ModuleRule]:
    """Return Canvas's importable `canvas_sdk`/`logger` modules, each with its allowed names."""
    rules: dict[str, ModuleRule] = {}
    for line in CANVAS_LIST.read_text(encoding="utf-8").splitlines():
        module, *names = line.split()
        if not module or module.startswith("#"):
            continue
        rules[module] = ModuleRule(names=frozenset(n for n in names if n != "*"), star="*" in names)
    return rules


def is_canvas_module(module: str) -> bool:
    """Return whether `module` is (or is below) a name served by frontdesk.sdk."""
    return module.partition(".")[0] in CANVAS_ROOTS


def import_rule(module: str) -> ModuleRule | None:
    """Return the rule for importing `module`, or None if plugin code may not import it."""
    if is_canvas_module(module):
        return canvas_rules().get(module)
    rule = STANDARD.get(module)
    if rule is not None:
        return rule
    for prefix, prefix_rule in PREFIXES.items():
        if module == prefix or module.startswith(prefix + "."):
            return prefix_rule
    return None


def attribute_rule(module: str) -> ModuleRule | None:
    """Return the rule for reading attributes of the module object `module`, or None."""
    return import_rule(module) or ATTRIBUTE_ONLY.get(module)


@cache
def _parents() -> frozenset[str]:
    names = [*canvas_rules(), *STANDARD, *PREFIXES, *ATTRIBUTE_ONLY]
    parents: set[str] = set()
    for name in names:
        parts = name.split(".")
        parents.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return frozenset(parents)


def is_parent(module: str) -> bool:
    """Return whether `module` is a package on the way to an allowed module (`email`, `django.db`,
    `canvas_sdk`): plugins may reach its allowed submodules through it, nothing else."""
    return module in _parents()
