"""The language sandbox plugin code is loaded in: Canvas's RestrictedPython rules (reference §5).

`load_plugin` compiles every module a plugin's handlers need with RestrictedPython's transformer
(adjusted in `PluginTransformer`) and runs it in a fresh module object whose builtins, imports and
attribute access are guarded:

- imports: plugin-internal modules (sandboxed too), `canvas_sdk.*`/`logger` names that are both
  in Canvas's list and provided by `frontdesk.sdk`, and the stdlib/third-party allow-list of
  `frontdesk.plugins.allowed_imports`. Anything else raises ImportError with Canvas's message.
- attributes: names starting with "_" only on the plugin's own modules, classes, functions and
  instances; a small dunder allow-list everywhere (`__class__`, `__name__`, `__dict__` filtered,
  `__init__`, ...); a few method names never (`mro`, `format_map`, ...); module objects expose only
  their allowed names. No assignment to attributes of imported classes, modules or functions.
- host objects, by class: files, processes, sockets, threads, paths, logging handlers, Django
  storage and settings are opaque; loggers offer only their logging methods; Django files only
  name/url/size.
- builtins: RestrictedPython's safe and utility builtins, the exceptions (not SystemExit or
  KeyboardInterrupt), a curated set, and guarded `getattr`/`setattr`/`delattr`/`hasattr`/`dir`/
  `vars`/`type`. No `open`, `eval`, `exec`, `compile`, `globals`, `locals`, `__import__`.
- `print` is forwarded to the `frontdesk.plugins.sdk` logger.
- SQL: `.raw()`/`.extra()` raise PermissionError; query internals, raw SQL templates and
  arbitrary `db_table`s are refused.
- the runner's limits stay uncatchable: `except` re-raises what is not an Exception (or the
  plugin's own), a plugin `__exit__` cannot suppress it, `finally` cannot `return` over it.
- string annotations (which typing and pydantic eval()) are evaluated under the same rules.

Plugin modules are not in `sys.modules` once loaded (only while their body runs, for dataclasses
and pydantic): two versions of a plugin load side by side; each load has its own registry, and
loading again yields fresh modules. Every module's globals carry `__is_plugin__`,
`__plugin_name__` and `__plugin_dir__` (what `render_to_string` looks for).

This is the second wall. The runner process (time, CPU, memory and output limits, a read-only
database connection) is the first; nothing here bounds loops or allocations.
"""

from __future__ import annotations

import _string  # the field-name splitter str.format uses
import ast
import builtins
import contextlib
import copy
import functools
import importlib
import importlib.util
import io
import keyword
import logging
import operator
import re
import string
import sys
import types
import typing
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from RestrictedPython import safe_builtins, utility_builtins
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import (
    FORBIDDEN_FUNC_NAMES,
    INSPECT_ATTRIBUTES,
    IOPERATOR_TO_STR,
    RestrictingNodeTransformer,
)

from frontdesk.plugins import allowed_imports
from frontdesk.sdk.aliases import real_name

log = logging.getLogger("frontdesk.plugins.sandbox")
#: Where plugin `print()` output goes (the logger plugins get as `logger.log`).
print_log = logging.getLogger("frontdesk.plugins.sdk")

#: One print() call is logged as at most this many characters.
MAX_PRINT_CHARS = 10_000

# --- the rules, as data ------------------------------------------------------------------------

#: Names the generated code relies on: plugin code may neither bind nor read them.
RESERVED_NAMES = frozenset(
    {
        "_getattr_", "_getitem_", "_getiter_", "_write_", "_inplacevar_", "_iter_unpack_sequence_",
        "_unpack_sequence_", "_print_", "_print", "_apply_", "_exc_guard_",
        "__metaclass__", "__builtins__", "__import__", "__build_class__", "__loader__", "__spec__",
        "__is_plugin__", "__plugin_name__", "__plugin_dir__",
    }
)  # fmt: skip
_TMP_NAME = re.compile(r"_tmp\d+")

#: Dunder names plugin code may read as variables.
READABLE_DUNDERS = frozenset({"__name__", "__file__", "__doc__", "__package__", "__all__", "__version__", "__debug__"})
#: Dunder names plugin code may bind at module level.
MODULE_DUNDERS = frozenset({"__all__", "__version__", "__author__", "__doc__"})
#: Dunder names a class body may not bind (any other: `__slots__`, `__hash__ = None`, ...).
CLASS_UNBINDABLE_DUNDERS = frozenset(
    {"__module__", "__qualname__", "__class__", "__dict__", "__classcell__", "__annotations__", "__weakref__"}
)

#: Dunder attributes plugin code may read on any object.
DUNDER_ATTRIBUTES = frozenset(
    {
        "__class__", "__name__", "__qualname__", "__module__", "__doc__", "__dict__", "__members__",
        "__version__", "__init__", "__new__", "__post_init__", "__init_subclass__", "__class_getitem__",
        "__str__", "__repr__", "__format__", "__hash__", "__bool__", "__len__", "__iter__", "__next__",
        "__contains__", "__getitem__", "__call__", "__enter__", "__exit__",
        "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__",
    }
)  # fmt: skip
#: Attribute names plugin code may never read.
BLOCKED_ATTRIBUTES = frozenset({"exec", "eval", "mro", "load_module", "exec_module", "format_map"})
_NEVER_READ = INSPECT_ATTRIBUTES | BLOCKED_ATTRIBUTES | RESERVED_NAMES

_UNDERSCORE = '"{name}" is an invalid attribute name because it starts with "_"'
_MISSING: Any = object()


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


# --- public interface --------------------------------------------------------------------------


class PluginLoadError(Exception):
    """The plugin as a whole cannot be loaded (its directory or name); the message says why."""


class PluginSyntaxError(SyntaxError):
    """A plugin module does not compile, or uses what the sandbox refuses at compile time; the
    message names the file and line of each problem."""


@dataclass
class LoadedPlugin:
    name: str
    directory: Path
    handlers: dict[str, type] = field(default_factory=dict)  # "pkg.mod:Class" -> class
    errors: dict[str, str] = field(default_factory=dict)  # "pkg.mod:Class" -> why it did not load


def load_plugin(
    directory: Path,
    *,
    name: str,
    handler_refs: list[str],
    provided: Callable[[str, str], bool] | None = None,
) -> LoadedPlugin:
    """Load the handler classes `handler_refs` ("name.module:Class") of the plugin in `directory`.

    A handler whose module fails to compile, import or run is recorded in `errors` with the
    cause (`Error importing module '<plugin>:<module>:<Class>': ...`); the others still load.
    `provided(module, name)` says whether frontdesk serves a Canvas name; `name` is "" when the
    question is about the module itself (default: `frontdesk_provides`). Raises PluginLoadError if the directory or name cannot be a plugin.
    """
    sandbox = _prepare(directory, name, provided)
    loaded = LoadedPlugin(name=name, directory=Path(directory))
    for ref in handler_refs:
        try:
            module_name, class_name = _parse_ref(ref, name)
        except ValueError as exc:
            loaded.errors[ref] = str(exc)
            continue
        try:
            loaded.handlers[ref] = sandbox.load_class(module_name, class_name)
        except BaseException as exc:
            if not sandbox.is_plugin_failure(exc):
                raise
            loaded.errors[ref] = f"Error importing module '{name}:{module_name}:{class_name}': {_describe(exc)}"
            log.info("plugin %s: %s", name, loaded.errors[ref])
    return loaded


def check_plugin(directory: Path, *, name: str, handler_refs: list[str]) -> list[str]:
    """Return every problem that would keep the plugin from loading fully ([] if none).

    Besides what `load_plugin` reports, this finds imports inside functions and classes of the
    loaded modules (which only run later) that the sandbox would refuse, and modules imported
    only there that do not compile. Imports inside a `try` with an `except` are left alone.
    """
    try:
        sandbox = _prepare(directory, name, None)
    except PluginLoadError as exc:
        return [str(exc)]
    problems: list[str] = []
    for ref in handler_refs:
        try:
            module_name, class_name = _parse_ref(ref, name)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        try:
            sandbox.load_class(module_name, class_name)
        except BaseException as exc:
            if not sandbox.is_plugin_failure(exc):
                raise
            problems.append(f"Error importing module '{name}:{module_name}:{class_name}': {_describe(exc)}")
    problems.extend(p for p in sandbox.deferred_import_problems() if p not in problems)
    return problems


# --- loading -----------------------------------------------------------------------------------


def _prepare(directory: Path, name: str, provided: Callable[[str, str], bool] | None) -> _Sandbox:
    directory = Path(directory)
    if not name.isidentifier() or keyword.iskeyword(name):
        raise PluginLoadError(f"Plugin name '{name}' is not a valid Python package name")
    if not directory.is_dir():
        raise PluginLoadError(f"Plugin directory '{directory}' does not exist")
    if directory.name != name:
        raise PluginLoadError(f"Plugin directory '{directory.name}' does not match plugin name '{name}'")
    if (
        name in allowed_imports.CANVAS_ROOTS
        or name in {"frontdesk", "builtins"}
        or _shadows_installed_module(name, directory)
    ):
        raise PluginLoadError(f"Plugin name '{name}' is the name of an installed module; choose another name")
    _install_forward_ref_guard()
    return _Sandbox(name=name, directory=directory, provided=provided or frontdesk_provides)


def _shadows_installed_module(name: str, directory: Path) -> bool:
    # Host libraries look classes up by module name (typing, pydantic, dataclasses); a plugin
    # module must never be mistaken for a host module.
    if name in sys.modules:
        return True
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    origin = spec.origin or next(iter(spec.submodule_search_locations or []), None)
    return origin is None or not Path(origin).resolve().is_relative_to(directory.resolve())


def _parse_ref(ref: str, plugin: str) -> tuple[str, str]:
    module_name, colon, class_name = ref.partition(":")
    if not colon or not class_name.isidentifier() or not all(p.isidentifier() for p in module_name.split(".")):
        raise ValueError(f"Invalid handler reference '{ref}' (expected \"{plugin}.module:ClassName\")")
    package = module_name.partition(".")[0]
    if package != plugin:
        raise ValueError(f'Plugin "{plugin}" declares handler from foreign package "{package}"')
    return module_name, class_name


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def frontdesk_provides(module: str, name: str) -> bool:
    """Return whether frontdesk.sdk serves the Canvas module `module` and, unless `name` is "",
    the name `name` from it."""
    real = real_name(module)
    if real is None:
        return False
    try:
        served = importlib.import_module(real)
    except ModuleNotFoundError as exc:
        if exc.name and (real == exc.name or real.startswith(exc.name + ".")):
            return False
        raise
    return name in ("", "*") or hasattr(served, name)


def _canvas_name(real: str) -> str:
    """The name plugin code knows a module by (`frontdesk.sdk.effects` -> `canvas_sdk.effects`)."""
    if real == "frontdesk.sdk.logger":
        return "logger"
    if real == "frontdesk.sdk":
        return "canvas_sdk"
    if real.startswith("frontdesk.sdk."):
        return "canvas_sdk." + real.removeprefix("frontdesk.sdk.")
    return real


def _module_name(module: types.ModuleType) -> str:
    name = module.__dict__.get("__name__")
    return name if isinstance(name, str) else ""


# --- the compiler ------------------------------------------------------------------------------


class PluginTransformer(RestrictingNodeTransformer):
    """RestrictedPython's rules, adjusted to what Canvas plugins are written with.

    Differences from RestrictingNodeTransformer: names starting with "_" may be bound and read
    (private helpers) except the reserved guard names and most dunders; attribute names
    starting with "_" are a warning here and checked at run time (allowed on the plugin's own
    objects); `x.attr op= v` and `x[k] op= v` work through the guards; annotated assignments and
    class keywords are kept; private names are mangled as Python would; `import *` is checked at
    run time. Added: every `except` re-raises what is not the plugin's to catch (the runner's
    limits, GeneratorExit), and `return`/`break`/`continue` may not leave a `finally`.
    """

    def __init__(
        self,
        errors: list[str] | None = None,
        warnings: list[str] | None = None,
        used_names: dict[str, bool] | None = None,
    ) -> None:
        super().__init__(errors, warnings, used_names)
        self._scopes: list[str] = ["module"]
        self._classes: list[str] = []
        self._future_annotations = False

    # names

    def check_name(self, node: Any, name: str | None, allow_magic_methods: bool = False) -> None:
        if name is None:
            return
        if name in RESERVED_NAMES or _TMP_NAME.fullmatch(name) or name in FORBIDDEN_FUNC_NAMES:
            self.error(node, f'"{name}" is a reserved name.')
            return
        if name.endswith("__roles__"):
            self.error(node, f'"{name}" is an invalid variable name because it ends with "__roles__".')
            return
        if not _is_dunder(name):
            return
        scope = self._scopes[-1]
        binds = not isinstance(node, ast.Name) or isinstance(node.ctx, (ast.Store, ast.Del))
        if allow_magic_methods and isinstance(node, ast.FunctionDef) and scope == "class":
            return
        if binds and scope == "class" and name not in CLASS_UNBINDABLE_DUNDERS:
            return
        if binds and scope == "module" and name in MODULE_DUNDERS:
            return
        if not binds and name in READABLE_DUNDERS:
            return
        self.error(node, f'"{name}" is an invalid variable name because it starts with "_"')

    def check_import_names(self, node: ast.ImportFrom | ast.Import) -> ast.AST:
        if getattr(node, "is_lazy", 0):
            self.error(node, "Lazy import statements are not allowed.")
        for alias in node.names:
            if alias.name == "*":
                continue  # checked when it runs: only modules with a known list
            bound = alias.asname or (alias.name.partition(".")[0] if isinstance(node, ast.Import) else alias.name)
            self.check_name(node, bound)
        return self.node_contents_visit(node)

    # scopes

    def visit_Module(self, node: ast.Module) -> Any:
        self._future_annotations = any(
            isinstance(stmt, ast.ImportFrom)
            and stmt.module == "__future__"
            and any(alias.name == "annotations" for alias in stmt.names)
            for stmt in node.body
        )
        return super().visit_Module(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        self.check_name(node, node.name)
        if any(kw.arg == "metaclass" for kw in node.keywords):
            self.error(node, 'The keyword argument "metaclass" is not allowed.')
        node.bases = [self.visit(base) for base in node.bases]
        node.keywords = [self.visit(kw) for kw in node.keywords]
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        self._scopes.append("class")
        self._classes.append(node.name)
        try:
            node.body = self._visit_statements(node.body)
        finally:
            self._scopes.pop()
            self._classes.pop()
        metaclass = ast.keyword(arg="metaclass", value=ast.Name("__metaclass__", ast.Load()))
        node.keywords.insert(0, _located(metaclass, node))
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        self.check_name(node, node.name, allow_magic_methods=True)
        returns, node.returns = node.returns, None
        self._scopes.append("function")
        try:
            self.check_function_argument_names(node)
            with self.print_info.new_print_scope():
                node = self.node_contents_visit(node)
                self.inject_print_collector(node)
        finally:
            self._scopes.pop()
        node.returns = self._annotation(returns)
        return node

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        self._scopes.append("function")
        try:
            return super().visit_Lambda(node)
        finally:
            self._scopes.pop()

    # annotations: evaluated now (guarded), or kept as text under `from __future__ import
    # annotations` and evaluated later through the guarded ForwardRef evaluation.

    def _annotation(self, expr: ast.expr | None) -> ast.expr | None:
        if expr is None:
            return None
        if self._future_annotations:
            self.visit(copy.deepcopy(expr))  # report now what evaluating it would refuse
            return expr
        visited: ast.expr = self.visit(expr)
        return visited

    def visit_arg(self, node: ast.arg) -> Any:
        node.annotation = self._annotation(node.annotation)
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> Any:
        node.target = self.visit(node.target)
        node.annotation = self._annotation(node.annotation)  # type: ignore[assignment]
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    # attributes

    def _check_attribute_name(self, node: ast.AST, attr: str) -> None:
        if attr.endswith("__roles__"):
            self.error(node, f'"{attr}" is an invalid attribute name because it ends with "__roles__".')
        if attr in INSPECT_ATTRIBUTES:
            self.error(node, f'"{attr}" is a restricted name, that is forbidden to access in RestrictedPython.')
        elif attr.startswith("_") and attr != "_":
            self.warn(node, f'"{attr}" starts with "_": only the plugin\'s own objects have it (checked when it runs).')

    def _mangle(self, attr: str) -> str:
        # `self.__x` reads are turned into _getattr_(self, "__x") calls, which Python does not
        # mangle; do what the compiler does for the attribute node it would have seen.
        if attr.startswith("__") and not attr.endswith("__") and self._classes:
            owner = self._classes[-1].lstrip("_")
            if owner:
                return f"_{owner}{attr}"
        return attr

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        self._check_attribute_name(node, node.attr)
        node.value = self.visit(node.value)
        if isinstance(node.ctx, ast.Load):
            call = ast.Call(
                func=ast.Name("_getattr_", ast.Load()),
                args=[node.value, ast.Constant(self._mangle(node.attr))],
                keywords=[],
            )
            return _located(call, node)
        node.value = _located(
            ast.Call(func=ast.Name("_write_", ast.Load()), args=[node.value], keywords=[]), node.value
        )
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        target = node.target
        if isinstance(target, ast.Name):
            return super().visit_AugAssign(node)
        operator_text = IOPERATOR_TO_STR[type(node.op)]
        value = self.visit(node.value)
        holder = self.gen_tmp_name()
        temporaries = [holder]
        setup: list[ast.stmt] = [ast.Assign(targets=[ast.Name(holder, ast.Store())], value=self.visit(target.value))]
        current: ast.expr
        store: ast.expr
        if isinstance(target, ast.Attribute):
            self._check_attribute_name(target, target.attr)
            current = ast.Call(
                func=ast.Name("_getattr_", ast.Load()),
                args=[ast.Name(holder, ast.Load()), ast.Constant(self._mangle(target.attr))],
                keywords=[],
            )
            writable = ast.Call(func=ast.Name("_write_", ast.Load()), args=[ast.Name(holder, ast.Load())], keywords=[])
            store = ast.Attribute(value=writable, attr=target.attr, ctx=ast.Store())
        else:
            key = self.gen_tmp_name()
            temporaries.append(key)
            setup.append(ast.Assign(targets=[ast.Name(key, ast.Store())], value=_slice_value(self.visit(target.slice))))
            current = ast.Call(
                func=ast.Name("_getitem_", ast.Load()),
                args=[ast.Name(holder, ast.Load()), ast.Name(key, ast.Load())],
                keywords=[],
            )
            writable = ast.Call(func=ast.Name("_write_", ast.Load()), args=[ast.Name(holder, ast.Load())], keywords=[])
            store = ast.Subscript(value=writable, slice=ast.Name(key, ast.Load()), ctx=ast.Store())
        update = ast.Assign(
            targets=[store],
            value=ast.Call(
                func=ast.Name("_inplacevar_", ast.Load()),
                args=[ast.Constant(operator_text), current, value],
                keywords=[],
            ),
        )
        cleanup = ast.Delete(targets=[ast.Name(name, ast.Del()) for name in temporaries])
        statements = [*setup, ast.Try(body=[update], handlers=[], orelse=[], finalbody=[cleanup])]
        return [_located(stmt, node) for stmt in statements]

    # exceptions

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> Any:
        node = typing.cast(ast.ExceptHandler, super().visit_ExceptHandler(node))
        guard = ast.Expr(ast.Call(func=ast.Name("_exc_guard_", ast.Load()), args=[], keywords=[]))
        node.body.insert(0, _located(guard, node))
        return node

    def visit_Try(self, node: ast.Try) -> Any:
        for stmt in node.finalbody:
            self._check_finally(stmt, in_loop=False)
        return super().visit_Try(node)

    def _check_finally(self, node: ast.AST, *, in_loop: bool) -> None:
        if isinstance(node, ast.Return) or (isinstance(node, ast.Break | ast.Continue) and not in_loop):
            self.error(node, f"{type(node).__name__.lower()} inside a finally block is not allowed.")
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            return
        in_loop = in_loop or isinstance(node, ast.For | ast.While)
        for child in ast.iter_child_nodes(node):
            self._check_finally(child, in_loop=in_loop)

    def _visit_statements(self, statements: list[ast.stmt]) -> list[ast.stmt]:
        result: list[ast.stmt] = []
        for stmt in statements:
            visited = self.visit(stmt)
            if isinstance(visited, list):
                result.extend(visited)
            elif visited is not None:
                result.append(visited)
        return result


def _located(new: Any, old: ast.AST) -> Any:
    ast.copy_location(new, old)
    ast.fix_missing_locations(new)
    return new


def _slice_value(node: ast.expr) -> ast.expr:
    """An expression with the value of a subscript's index (`a:b` becomes `slice(a, b, None)`)."""
    if isinstance(node, ast.Slice):
        parts = [part if part is not None else ast.Constant(None) for part in (node.lower, node.upper, node.step)]
        return _located(ast.Call(func=ast.Name("slice", ast.Load()), args=parts, keywords=[]), node)
    if isinstance(node, ast.Tuple):
        return _located(ast.Tuple(elts=[_slice_value(e) for e in node.elts], ctx=ast.Load()), node)
    return node


_COMPILER_LINE = re.compile(r"^Line (\d+|None): (.*)$", re.DOTALL)


def compile_plugin_source(source: str | bytes, *, filename: str, display: str) -> types.CodeType:
    """Return the sandboxed code object for one plugin module's source.

    Raises PluginSyntaxError naming `display` (the path inside the plugin) and the line of every
    problem: syntax errors and what the sandbox refuses at compile time.
    """
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        raise PluginSyntaxError(f"{display}, line {exc.lineno}: {exc.msg}") from None
    errors = _restrict(tree)
    if errors:
        raise PluginSyntaxError("; ".join(_located_error(display, error) for error in errors))
    try:
        return compile(tree, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:  # what only the compiler sees: `break` outside a loop, ...
        raise PluginSyntaxError(f"{display}, line {exc.lineno}: {exc.msg}") from None


def _restrict(tree: ast.AST) -> list[str]:
    """Apply PluginTransformer to `tree` in place; return the errors it found.

    (Not RestrictedPython's compile_restricted_*: its compile() call inherits that module's own
    `from __future__ import annotations`, which would turn every plugin annotation into text.)
    """
    errors: list[str] = []
    PluginTransformer(errors, [], {}).visit(tree)
    return errors


def _located_error(display: str, error: str) -> str:
    match = _COMPILER_LINE.match(error)
    if match is None:
        return f"{display}: {error}"
    return f"{display}, line {match.group(1)}: {match.group(2)}"


# --- guards shared by every load ---------------------------------------------------------------


class _SafeTypeMeta(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, type)

    def __subclasscheck__(cls, sub: Any) -> bool:
        return issubclass(sub, type)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) != 1 or kwargs:
            raise TypeError("type() takes exactly one argument in plugin code (it cannot create classes)")
        result = type(args[0])
        if _kind(result) == "opaque":
            raise TypeError(f"the type of '{result.__name__}' objects is not available to plugin code")
        return SafeType if result is type else result

    def __getitem__(cls, item: Any) -> Any:
        return type[item]

    def __repr__(cls) -> str:
        return "<class 'type'>"


class SafeType(metaclass=_SafeTypeMeta):
    """What plugin code gets as `type`: `type(x)`, isinstance checks and `type[X]`, no 3-arg form."""


SafeType.__name__ = SafeType.__qualname__ = "type"


def _getitem(obj: Any, key: Any) -> Any:
    return obj[key]


def _getiter(obj: Any) -> Any:
    if _kind(obj) == "opaque":  # iterating a file reads it
        raise TypeError(f"'{type(obj).__name__}' objects are not available to plugin code")
    return iter(obj)


def _apply(func: Any, *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift, ">>=": operator.irshift,
    "|=": operator.ior, "^=": operator.ixor, "&=": operator.iand, "//=": operator.ifloordiv,
    "@=": operator.imatmul,
}  # fmt: skip


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    return _INPLACE[op](target, value)


#: Builtins plugin code gets besides RestrictedPython's safe and utility builtins.
_CURATED_BUILTINS: dict[str, Any] = {
    name: getattr(builtins, name)
    for name in (
        "dict", "list", "tuple", "enumerate", "filter", "map", "min", "max", "sum", "sorted", "iter",
        "next", "any", "all", "super", "property", "classmethod", "staticmethod", "zip", "reversed",
        "bytes", "object", "NotImplemented", "bin", "format", "ascii",
    )
}  # fmt: skip
#: Exceptions plugin code may not raise or name (they would stop the host process).
_HOST_EXCEPTIONS = frozenset({"SystemExit", "KeyboardInterrupt"})


_sql_types: dict[str, tuple[type, ...]] = {}


def _django_sql_types() -> dict[str, tuple[type, ...]]:
    """Django's query machinery (only once Django's ORM is imported; nothing to guard before).

    Keys: the kinds `_classify` gives, and "models"."""
    if not _sql_types and "django.db.models" in sys.modules:
        _sql_types.update(_load_django_sql_types())
    return _sql_types


def _load_django_sql_types() -> dict[str, tuple[type, ...]]:
    from django.conf import LazySettings, Settings
    from django.core.files.base import File
    from django.core.files.storage import Storage
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.utils import CursorWrapper
    from django.db.models import Lookup, Model, QuerySet
    from django.db.models.expressions import BaseExpression
    from django.db.models.manager import BaseManager
    from django.db.models.sql import Query
    from django.db.models.sql.compiler import SQLCompiler
    from django.db.utils import ConnectionHandler
    from django.utils.tree import Node

    return {
        "opaque": (Storage, LazySettings, Settings, ConnectionHandler),
        "file": (File,),
        "sql-internal": (Query, SQLCompiler, BaseDatabaseWrapper, CursorWrapper),
        "queryset": (QuerySet, BaseManager),
        "sql-expression": (BaseExpression, Lookup),
        "sql-node": (Node,),
        "models": (Model,),
    }


#: Host objects from these packages are opaque to plugin code: files, processes, sockets,
#: threads, interpreter internals, database drivers (reached, say, through a logger's handlers).
OPAQUE_PACKAGES = frozenset(
    {
        "_io", "io", "os", "posix", "nt", "sys", "gc", "inspect", "importlib", "zipimport", "marshal",
        "pickle", "_pickle", "shutil", "tempfile", "pathlib", "socket", "_socket", "ssl", "_ssl",
        "select", "selectors", "mmap", "signal", "subprocess", "threading", "_thread", "multiprocessing",
        "concurrent", "asyncio", "ctypes", "_ctypes", "sqlite3", "_sqlite3", "psycopg", "psycopg2",
        "code", "codeop", "pdb", "bdb",
    }
)  # fmt: skip
#: What plugin code may use of a logger (`logger.log` is a real logging.Logger).
LOGGER_ATTRIBUTES = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "isEnabledFor",
     "getEffectiveLevel", "getChild", "name", "level"}
)  # fmt: skip
#: What plugin code may use of a Django File/FieldFile (not open/read/save: storage is the host's).
FILE_ATTRIBUTES = frozenset({"name", "url", "size"})

_kinds: dict[int, tuple[weakref.ref[type], str]] = {}


#: Model fields no plugin may read, by attribute or through a query: credentials and verification
#: secrets. (Canvas's SDK models do not have them; frontdesk's models, which the SDK re-exports, do.)
PRIVATE_FIELDS = frozenset({"password", "session_epoch", "verification_token"})
#: QuerySet and manager methods whose arguments name fields.
FIELD_METHODS = frozenset({
    "filter", "exclude", "get", "get_or_create", "update_or_create", "values", "values_list", "only", "defer",
    "order_by", "annotate", "alias", "aggregate", "distinct", "in_bulk", "dates", "datetimes", "latest",
    "earliest", "select_related", "prefetch_related", "update", "create", "bulk_update",
})  # fmt: skip


def _is_model_instance(obj: Any) -> bool:
    from django.db.models import Model

    return isinstance(obj, Model)


def _names_private_field(value: Any, depth: int = 0) -> str | None:
    """The private field a query argument refers to (a lookup string, Q, F or expression), or None."""
    if depth > 20:
        return "a too deeply nested expression"
    if isinstance(value, str):
        return next((part for part in value.split("__") if part in PRIVATE_FIELDS), None)
    if isinstance(value, list | tuple | set | frozenset):
        return next((found for item in value if (found := _names_private_field(item, depth + 1))), None)
    if isinstance(value, dict):
        return _names_private_field(list(value), depth + 1) or _names_private_field(list(value.values()), depth + 1)
    from django.db.models import F, Q

    if isinstance(value, Q):
        return _names_private_field(list(value.children), depth + 1)
    if isinstance(value, F):
        return _names_private_field(value.name, depth + 1)
    sources = getattr(value, "get_source_expressions", None)
    if callable(sources):
        return _names_private_field(list(sources()), depth + 1)
    return None


def _private_fields_refused(method: Any) -> Any:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        found = _names_private_field([args, kwargs])
        if found:
            raise PermissionError(f"'{found}' is not available to plugin code.")
        return method(*args, **kwargs)

    return guarded


def _kind(obj: Any) -> str:
    """How the sandbox treats `obj` (a class, or an instance of one), by its class: "" (as any
    object), "opaque", "logger", "file", or one of the SQL kinds ("sql-internal", "queryset",
    "sql-expression", "sql-node")."""
    cls = obj if isinstance(obj, type) else type(obj)
    entry = _kinds.get(id(cls))
    if entry is not None and entry[0]() is cls:
        return entry[1]
    kind = _classify(cls)
    key = id(cls)

    def forget(ref: weakref.ref[type]) -> None:
        if _kinds.get(key, (None,))[0] is ref:
            del _kinds[key]

    _kinds[key] = (weakref.ref(cls, forget), kind)
    return kind


def _classify(cls: type) -> str:
    if issubclass(cls, BaseException) or issubclass(cls, io.BytesIO | io.StringIO):
        return ""
    if issubclass(cls, logging.Logger | logging.LoggerAdapter):
        return "logger"
    if issubclass(cls, io.IOBase | logging.Handler | logging.Manager | logging.PlaceHolder):
        return "opaque"
    module = getattr(cls, "__module__", None)  # (C types compute it from their name)
    if isinstance(module, str) and module.partition(".")[0] in OPAQUE_PACKAGES:
        return "opaque"
    sql = _django_sql_types()
    if not sql:
        return ""
    for kind in ("opaque", "file", "sql-internal", "queryset", "sql-expression", "sql-node"):
        if issubclass(cls, sql[kind]):
            return kind
    return ""


def _check_kind_read(obj: Any, kind: str, name: str) -> None:
    shown = obj.__name__ if isinstance(obj, type) else type(obj).__name__
    if kind == "opaque":
        raise AttributeError(f"'{shown}' objects are not available to plugin code.")
    if kind == "sql-internal":
        raise AttributeError(f"'{shown}' internals are not available to plugin code.")
    if kind == "logger" and name not in LOGGER_ATTRIBUTES:
        raise AttributeError(f'"{name}" is not available on loggers in plugin code.')
    if kind == "file" and name not in FILE_ATTRIBUTES:
        raise AttributeError(f'"{name}" is not available on files in plugin code.')
    if (kind == "sql-node" and name in ("create", "add")) or (kind == "sql-expression" and name == "extra"):
        raise AttributeError(f'"{name}" is not an allowed attribute name in plugin code.')


#: Keyword arguments that put text into SQL unescaped (Func/Aggregate/Subquery/Case `**extra`).
_SQL_TEXT_KWARGS = frozenset({"template", "function", "arg_joiner", "sql"})
_safe_expressions: weakref.WeakKeyDictionary[type, type] = weakref.WeakKeyDictionary()


def _safe_expression_class(cls: type) -> type:
    """A subclass of the query expression `cls` that refuses raw SQL text in its arguments."""
    safe = _safe_expressions.get(cls)
    if safe is None:

        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            refused = sorted(_SQL_TEXT_KWARGS & kwargs.keys())
            if refused:
                raise PermissionError(f"{cls.__name__}({', '.join(refused)}=...) is not allowed: it writes raw SQL")
            cls.__init__(self, *args, **kwargs)  # type: ignore[misc]

        safe = type(cls)(cls.__name__, (cls,), {"__init__": __init__, "__module__": cls.__module__})
        safe.__qualname__ = cls.__qualname__
        _safe_expressions[cls] = safe
    return safe


def _refuse_sql(method: str) -> Callable[..., Any]:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(f"{method}() queries are not allowed")

    return refused


class _GuardedFormatter(string.Formatter):
    """`str.format` for plugin code: "{0.attr}" and "{0[key]}" go through the guards."""

    def __init__(self, sandbox: _Sandbox) -> None:
        self._sandbox = sandbox

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        first, rest = _string.formatter_field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attribute, key in rest:
            obj = self._sandbox.getattr_(obj, key) if is_attribute else obj[key]
        return obj, first


class _WriteGuard:
    """What `_write_(obj)` returns: assignments and deletions checked, then done on `obj`."""

    __slots__ = ("_guarded", "_sandbox")
    _guarded: Any
    _sandbox: _Sandbox

    def __init__(self, sandbox: _Sandbox, guarded: Any) -> None:
        object.__setattr__(self, "_sandbox", sandbox)
        object.__setattr__(self, "_guarded", guarded)

    def __setattr__(self, name: str, value: Any) -> None:
        self._sandbox.check_write(self._guarded, name)
        setattr(self._guarded, name, value)

    def __delattr__(self, name: str) -> None:
        self._sandbox.check_write(self._guarded, name)
        delattr(self._guarded, name)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._sandbox.check_item_write(self._guarded)
        self._guarded[key] = value

    def __delitem__(self, key: Any) -> None:
        self._sandbox.check_item_write(self._guarded)
        del self._guarded[key]


class _PrintForwarder:
    """What plugin `print()` writes to: each call becomes one log record on `print_log`."""

    def __init__(self, sandbox: _Sandbox) -> None:
        self._sandbox = sandbox

    def _call_print(self, *objects: Any, **kwargs: Any) -> None:
        if kwargs.get("file") is not None:
            self._sandbox.getattr_(kwargs["file"], "write")
            print(*objects, **kwargs)
            return
        buffer = io.StringIO()
        print(*objects, **{**kwargs, "file": buffer})
        text = buffer.getvalue().removesuffix("\n")
        if len(text) > MAX_PRINT_CHARS:
            text = f"{text[:MAX_PRINT_CHARS]}... [{len(text) - MAX_PRINT_CHARS} more characters]"
        print_log.info("%s", text, extra={"plugin": self._sandbox.name})

    def __call__(self) -> str:
        return ""  # RestrictedPython's `printed`: output is logged, not kept


def _metaclass_for(bases: tuple[Any, ...]) -> type:
    winner: type = type
    for base in bases:
        candidate = type(base)
        if issubclass(winner, candidate):
            continue
        if issubclass(candidate, winner):
            winner = candidate
            continue
        raise TypeError(
            "metaclass conflict: the metaclass of a derived class must be a subclass of the metaclasses of all its bases"
        )
    return winner


class _ClassFactory:
    """`__metaclass__` of plugin modules: builds each class with the metaclass its bases call for
    (as `type` would), checks it, and records it as the plugin's own."""

    def __init__(self, sandbox: _Sandbox) -> None:
        self._sandbox = sandbox

    def __prepare__(self, name: str, bases: tuple[Any, ...], **kwds: Any) -> Any:
        return _metaclass_for(bases).__prepare__(name, bases, **kwds)

    def __call__(self, name: str, bases: tuple[Any, ...], namespace: Any, **kwds: Any) -> Any:
        self._sandbox.check_class(name, bases, namespace)
        exit_method = namespace.get("__exit__")
        if isinstance(exit_method, types.FunctionType):
            namespace["__exit__"] = self._sandbox.exit_guard(exit_method)
        cls = _metaclass_for(bases)(name, bases, namespace, **kwds)
        if isinstance(cls, type):
            self._sandbox.own(cls)
        return cls


# --- one load ----------------------------------------------------------------------------------

_plugin_namespaces: weakref.WeakValueDictionary[int, types.ModuleType] = weakref.WeakValueDictionary()


class _Sandbox:
    """The state of loading one plugin version: its modules, its classes, its guards."""

    def __init__(self, *, name: str, directory: Path, provided: Callable[[str, str], bool]) -> None:
        self.name = name
        self.directory = directory
        self.root = directory.resolve()
        self.provided = provided
        self.modules: dict[str, types.ModuleType] = {}
        self.failures: dict[str, BaseException] = {}
        self.trees: dict[str, tuple[ast.Module, str]] = {}
        self._owned: dict[int, weakref.ref[type]] = {}
        self.formatter = _GuardedFormatter(self)
        self.class_factory = _ClassFactory(self)
        self.builtins = self._builtins()

    # ownership

    def own(self, cls: type) -> None:
        """Record `cls` as a class the plugin defined (forgotten when it is garbage collected)."""
        key = id(cls)

        def forget(ref: weakref.ref[type], owned: dict[int, weakref.ref[type]] = self._owned) -> None:
            if owned.get(key) is ref:
                del owned[key]

        self._owned[key] = weakref.ref(cls, forget)

    def _owns_class(self, cls: type) -> bool:
        ref = self._owned.get(id(cls))
        return ref is not None and ref() is cls

    def owns(self, obj: Any) -> bool:
        """Return whether `obj` is the plugin's own module, class, function, method or instance."""
        if isinstance(obj, type):
            return self._owns_class(obj)
        if isinstance(obj, types.ModuleType):
            return self.modules.get(_module_name(obj)) is obj
        if isinstance(obj, types.FunctionType):
            module = _plugin_namespaces.get(id(obj.__globals__))
            return module is not None and module.__dict__ is obj.__globals__ and self.owns(module)
        if isinstance(obj, types.MethodType):
            return self.owns(obj.__func__)
        if isinstance(obj, super):
            return self.owns(getattr(obj, "__self__", None))
        return self._owns_class(type(obj))

    def is_plugin_failure(self, exc: BaseException) -> bool:
        """Return whether `exc` is the plugin's failure (not the host's: limits, interrupts)."""
        return isinstance(exc, Exception) or type(exc) in (BaseException, GeneratorExit) or self.owns(type(exc))

    def may_catch(self, exc: BaseException) -> bool:
        """Return whether plugin code may catch or suppress `exc`: not the runner's limits, not
        GeneratorExit, nothing else outside Exception but the plugin's own exception classes."""
        return isinstance(exc, Exception) or self.owns(type(exc))

    # builtins and module globals

    def _builtins(self) -> dict[str, Any]:
        names: dict[str, Any] = {k: v for k, v in safe_builtins.items() if k not in ("_getattr_", "setattr", "delattr")}
        names.update(utility_builtins)
        names.update(
            (name, value)
            for name, value in vars(builtins).items()
            if isinstance(value, type) and issubclass(value, BaseException) and name not in _HOST_EXCEPTIONS
        )
        for name in _HOST_EXCEPTIONS:
            names.pop(name, None)
        names.update(_CURATED_BUILTINS)
        names.update(
            getattr=self.getattr_,
            hasattr=self.hasattr_,
            setattr=self.setattr_,
            delattr=self.delattr_,
            dir=self.dir_,
            vars=self.vars_,
            type=SafeType,
            __import__=self.import_,
        )
        return names

    def _globals(self, fullname: str, path: Path, package: bool) -> dict[str, Any]:
        namespace: dict[str, Any] = {
            "__name__": fullname,
            "__file__": str(path),
            "__package__": fullname if package else fullname.rpartition(".")[0],
            "__doc__": None,
            "__loader__": None,
            "__spec__": None,
            "__builtins__": self.builtins,
            "__is_plugin__": True,
            "__plugin_name__": self.name,
            "__plugin_dir__": str(self.directory),
            "__metaclass__": self.class_factory,
            "_getattr_": self.getattr_,
            "_getitem_": _getitem,
            "_getiter_": _getiter,
            "_write_": self.write_,
            "_inplacevar_": _inplacevar,
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence,
            "_apply_": _apply,
            "_print_": self.print_,
            "_exc_guard_": self.exc_guard,
        }
        if package:
            namespace["__path__"] = [str(path.parent)]
        return namespace

    # plugin modules

    def load_class(self, module_name: str, class_name: str) -> type:
        module = self.load_module(module_name)
        cls = module.__dict__.get(class_name, _MISSING)
        if cls is _MISSING:
            raise ImportError(f"cannot import name '{class_name}' from '{module_name}'")
        if not isinstance(cls, type):
            raise TypeError(f"'{module_name}:{class_name}' is not a class")
        return cls

    def _locate(self, fullname: str) -> tuple[Path, bool]:
        """Return (source file, is package) for the plugin module `fullname`."""
        parts = fullname.split(".")[1:]
        if not all(part.isidentifier() for part in parts):
            raise ModuleNotFoundError(f"No module named '{fullname}'", name=fullname)
        base = self.root.joinpath(*parts)
        for path, package in ((base / "__init__.py", True), (base.with_suffix(".py"), False)):
            if path.is_file() and path.resolve().is_relative_to(self.root):
                return path, package
        if base.is_dir() and base.resolve().is_relative_to(self.root):
            return base / "__init__.py", True  # a directory without __init__.py: an empty package
        raise ModuleNotFoundError(f"No module named '{fullname}'", name=fullname)

    def display(self, path: Path) -> str:
        return f"{self.name}/{path.relative_to(self.root).as_posix()}"

    def compile_module(self, fullname: str) -> tuple[types.CodeType, Path, bool]:
        path, package = self._locate(fullname)
        source = path.read_bytes() if path.is_file() else b""
        code = compile_plugin_source(source, filename=str(path), display=self.display(path))
        self.trees[fullname] = (ast.parse(source, filename=str(path)), self.display(path))
        return code, path, package

    def load_module(self, fullname: str) -> types.ModuleType:
        """Return the plugin module `fullname` of this load, running it (sandboxed) the first time."""
        if fullname in self.modules:
            return self.modules[fullname]
        if fullname in self.failures:
            raise self.failures[fullname]
        parent_name, _, child = fullname.rpartition(".")
        parent = self.load_module(parent_name) if parent_name else None
        if fullname in self.modules:  # the parent's __init__ imported it
            return self.modules[fullname]
        try:
            code, path, package = self.compile_module(fullname)
        except Exception as exc:
            self.failures[fullname] = exc
            raise
        module = types.ModuleType(fullname)
        module.__dict__.update(self._globals(fullname, path, package))
        self.modules[fullname] = module
        _plugin_namespaces[id(module.__dict__)] = module
        try:
            with _visible_while_running(fullname, module):
                exec(code, module.__dict__)  # noqa: S102 (sandboxed plugin code: compiled above with the restricting transformer)
        except BaseException as exc:
            del self.modules[fullname]
            if self.is_plugin_failure(exc):
                self.failures[fullname] = exc
            raise
        if parent is not None:
            setattr(parent, child, module)
        return module

    # imports

    def import_(
        self,
        name: str,
        globals: dict[str, Any] | None = None,
        locals: Any = None,
        fromlist: Any = (),
        level: int = 0,
    ) -> Any:
        """`__import__` for plugin code."""
        if not isinstance(name, str):
            raise TypeError("module name must be a string")
        names = tuple(fromlist or ())
        absolute = _resolve_relative(name, (globals or {}).get("__package__") or "", level) if level else name
        if absolute.partition(".")[0] == self.name:
            return self._import_own(absolute, names)
        return self._import_external(absolute, names)

    def _import_own(self, absolute: str, names: tuple[str, ...]) -> types.ModuleType:
        module = self.load_module(absolute)
        for item in names:
            if item != "*" and item not in module.__dict__ and hasattr(module, "__path__"):
                try:
                    self.load_module(f"{absolute}.{item}")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{absolute}.{item}":
                        raise  # the submodule exists and failed: say why
        return module if names else self.modules[absolute.partition(".")[0]]

    def resolve_external(self, absolute: str, names: tuple[str, ...]) -> types.ModuleType:
        """Return the (real) module for `from absolute import names` (`import absolute` when
        `names` is empty) after checking that plugin code may do it; raise ImportError if not."""
        rule = allowed_imports.import_rule(absolute)
        canvas = allowed_imports.is_canvas_module(absolute)
        # `from canvas_sdk import effects`, `from email import mime`: allowed submodules only.
        if rule is None and (not names or "*" in names or not all(_allowed_module(f"{absolute}.{n}") for n in names)):
            raise ImportError(f"'{absolute}' is not an allowed import.")
        for item in names:
            if item == "*":
                if rule is None or not rule.star:
                    raise ImportError(f"'*' is not an allowed import from '{absolute}'.")
            elif rule is not None and not _is_submodule(absolute, item, rule) and not rule.allows(item):
                raise ImportError(f"'{item}' is not an allowed import from '{absolute}'.")
        if canvas:
            self._check_provided(absolute, names, rule)
        real = (real_name(absolute) or absolute) if canvas else absolute
        try:
            module = importlib.import_module(real)
        except ModuleNotFoundError as exc:
            if exc.name and (real == exc.name or real.startswith(exc.name + ".")):
                raise ImportError(f"'{absolute}' is allowed in plugins but not installed in frontdesk.") from None
            raise
        for item in names:
            # A public-API rule is only complete with the module: its __all__, what it re-exports.
            if item != "*" and rule is not None and not _is_submodule(absolute, item, rule):
                value = getattr(module, item, None)
                if not rule.allows(item, module) or (
                    isinstance(value, types.ModuleType) and not self.module_allowed(value)
                ):
                    raise ImportError(f"'{item}' is not an allowed import from '{absolute}'.")
        return module

    def _check_provided(self, absolute: str, names: tuple[str, ...], rule: allowed_imports.ModuleRule | None) -> None:
        missing = "is part of the Canvas SDK but not provided by frontdesk yet."
        if rule is not None and not self.provided(absolute, ""):
            named = [n for n in names if n != "*" and not _is_submodule(absolute, n, rule)]
            if named:
                raise ImportError(f"'{named[0]}' from '{absolute}' {missing}")
            raise ImportError(f"'{absolute}' {missing}")
        for item in names:
            if item == "*":
                continue
            if rule is not None and not _is_submodule(absolute, item, rule):
                if not self.provided(absolute, item):
                    raise ImportError(f"'{item}' from '{absolute}' {missing}")
            elif not self.provided(f"{absolute}.{item}", ""):
                raise ImportError(f"'{absolute}.{item}' {missing}")

    def _import_external(self, absolute: str, names: tuple[str, ...]) -> Any:
        module = self.resolve_external(absolute, names)
        if not names:
            # `import a.b.c` binds `a`; attribute access then walks through the guards.
            top = absolute.partition(".")[0]
            return importlib.import_module((real_name(top) or top) if allowed_imports.is_canvas_module(top) else top)
        rule = allowed_imports.attribute_rule(absolute)
        if "*" in names:
            return self._star_module(absolute, module, rule)
        # IMPORT_FROM reads the names off what __import__ returns, unguarded: return a view
        # holding exactly the checked names.
        view = types.ModuleType(absolute)
        for item in names:
            value: Any = _MISSING
            if rule is None or _is_submodule(absolute, item, rule):
                with contextlib.suppress(ModuleNotFoundError):
                    value = importlib.import_module(f"{_module_name(module)}.{item}")
            if value is _MISSING:
                value = getattr(module, item, _MISSING)
            if value is _MISSING:
                raise ImportError(f"cannot import name '{item}' from '{absolute}'")
            if isinstance(value, type) and _kind(value) == "opaque":
                raise ImportError(f"'{item}' from '{absolute}' is not available to plugin code in frontdesk.")
            setattr(view, item, self._wrap(module, item, value))
        return view

    def _star_module(self, absolute: str, module: types.ModuleType, rule: allowed_imports.ModuleRule | None) -> Any:
        view = types.ModuleType(absolute)
        exported: list[str] = []
        for item in rule.public_names(module) if rule is not None else []:
            value = getattr(module, item)
            if isinstance(value, types.ModuleType) and not self.module_allowed(value):
                continue
            if isinstance(value, type) and _kind(value) == "opaque":
                continue
            setattr(view, item, self._wrap(module, item, value))
            exported.append(item)
        setattr(view, "__all__", exported)  # noqa: B010 (a module attribute mypy does not know)
        return view

    def module_allowed(self, module: types.ModuleType) -> bool:
        return self.owns(module) or _allowed_module(_canvas_name(_module_name(module)), parents=True)

    # attribute reads

    def _check_read(self, obj: Any, name: str) -> None:
        if name in _NEVER_READ:
            if name in INSPECT_ATTRIBUTES:
                raise AttributeError(f'"{name}" is a restricted name, that is forbidden to access in RestrictedPython.')
            raise AttributeError(f'"{name}" is not an allowed attribute name in plugin code.')
        kind = _kind(obj)
        if kind:
            _check_kind_read(obj, kind, name)
        if name[:1] == "_":
            if _is_dunder(name):
                if name not in DUNDER_ATTRIBUTES:
                    raise AttributeError(_UNDERSCORE.format(name=name))
            elif not self.owns(obj):
                raise AttributeError(_UNDERSCORE.format(name=name))

    def getattr_(self, obj: Any, name: str, default: Any = _MISSING) -> Any:
        """`_getattr_` and the `getattr` builtin: refused names raise AttributeError even with a
        default; a missing attribute returns the default."""
        if type(name) is not str:
            raise TypeError(f"attribute name must be string, not '{type(name).__name__}'")
        self._check_read(obj, name)
        if name in PRIVATE_FIELDS and _is_model_instance(obj):
            raise AttributeError(f"'{name}' is not available to plugin code.")
        if name == "__dict__":
            return self.filtered_dict(obj)
        if isinstance(obj, types.ModuleType) and not self.owns(obj):
            return self._module_attribute(obj, name, default)
        try:
            value = getattr(obj, name)
        except AttributeError:
            if default is _MISSING:
                raise
            return default
        return self._wrap(obj, name, value)

    def _module_attribute(self, module: types.ModuleType, name: str, default: Any) -> Any:
        canonical = _canvas_name(_module_name(module))
        try:
            value = getattr(module, name)
        except AttributeError:
            if default is _MISSING:
                raise
            return default
        if isinstance(value, types.ModuleType):
            if self.module_allowed(value):
                return value
            raise AttributeError(f"'{_canvas_name(_module_name(value))}' is not an allowed import.")
        rule = allowed_imports.attribute_rule(canonical)
        if rule is None or not rule.allows(name, module):
            raise AttributeError(f"'{name}' is not an allowed import from '{canonical}'.")
        return self._wrap(module, name, value)

    def _wrap(self, obj: Any, name: str, value: Any) -> Any:
        """The value plugin code sees for `obj.name` (already allowed)."""
        if isinstance(value, type):
            if value is type:
                return SafeType
            kind = _kind(value)
            if kind == "opaque":
                raise AttributeError(f"'{value.__name__}' objects are not available to plugin code.")
            if kind == "sql-expression" and not self.owns(value) and value not in _safe_expressions.values():
                return _safe_expression_class(value)
            return value
        if name == "format" and (isinstance(obj, str) or (isinstance(obj, type) and issubclass(obj, str))):
            vformat = self.formatter.vformat
            if isinstance(obj, str):
                return lambda *args, **kwargs: vformat(obj, args, kwargs)
            return lambda template, *args, **kwargs: vformat(template, args, kwargs)
        if (name == "raw" or name == "extra") and _kind(obj) == "queryset":
            return _refuse_sql(name)
        if name in FIELD_METHODS and callable(value) and _kind(obj) == "queryset":
            return _private_fields_refused(value)
        return value

    def hasattr_(self, obj: Any, name: str) -> bool:
        try:
            self.getattr_(obj, name)
        except AttributeError:
            return False
        return True

    def filtered_dict(self, obj: Any) -> dict[str, Any]:
        """`obj.__dict__`/`vars(obj)`: the plugin's own instances get their live dict; anything
        else a copy holding only what plugin code could read as attributes."""
        try:
            raw = vars(obj)
        except TypeError:
            raise AttributeError(f"'{type(obj).__name__}' object has no attribute '__dict__'") from None
        if type(raw) is dict and self.owns(obj) and not isinstance(obj, type | types.ModuleType):
            return raw
        result: dict[str, Any] = {}
        for key in list(raw):
            if not isinstance(key, str) or key == "__dict__":
                continue
            try:
                result[key] = self.getattr_(obj, key)
            except (AttributeError, PermissionError):
                continue
        return result

    def vars_(self, *args: Any) -> dict[str, Any]:
        if len(args) != 1:
            raise TypeError("vars() takes exactly one argument in plugin code")
        return self.filtered_dict(args[0])

    def dir_(self, *args: Any) -> list[str]:
        """`dir(obj)`: the names plugin code may read, decided by name (no property runs)."""
        if len(args) != 1:
            raise TypeError("dir() takes exactly one argument in plugin code")
        obj = args[0]
        visible = []
        for name in dir(obj):
            try:
                self._check_read(obj, name)
                if isinstance(obj, types.ModuleType) and not self.owns(obj):
                    self._module_attribute(obj, name, _MISSING)
            except AttributeError:
                continue
            visible.append(name)
        return visible

    # attribute writes

    def write_(self, obj: Any) -> Any:
        if type(obj) in (dict, list):
            return obj
        return _WriteGuard(self, obj)

    def check_write(self, obj: Any, name: str) -> None:
        """Raise AttributeError unless plugin code may assign (or delete) `obj.name`."""
        if type(name) is not str:
            raise TypeError(f"attribute name must be string, not '{type(name).__name__}'")
        if _is_dunder(name) or name in RESERVED_NAMES:
            raise AttributeError(_UNDERSCORE.format(name=name))
        if self.owns(obj):
            return
        protected = isinstance(
            obj, type | types.ModuleType | types.FunctionType | types.BuiltinFunctionType | types.MethodType
        )
        if protected or _kind(obj):
            raise AttributeError(f"Forbidden assignment to an attribute of {_display_name(obj)}.")
        if name.startswith("_"):
            raise AttributeError(_UNDERSCORE.format(name=name))

    def check_item_write(self, obj: Any) -> None:
        if (isinstance(obj, type | types.ModuleType) and not self.owns(obj)) or _kind(obj) == "opaque":
            raise TypeError(f"Forbidden item assignment on {_display_name(obj)}.")

    def setattr_(self, obj: Any, name: str, value: Any) -> None:
        setattr(_WriteGuard(self, obj), name, value)

    def delattr_(self, obj: Any, name: str) -> None:
        delattr(_WriteGuard(self, obj), name)

    # classes, exceptions, print

    def check_class(self, name: str, bases: tuple[Any, ...], namespace: Any) -> None:
        """Refuse plugin classes that would reach raw SQL (query expression subclasses carry SQL
        templates; a model's Meta.db_table/app_label would read any table)."""
        for base in bases:
            kind = _kind(base) if isinstance(base, type) else ""
            if kind == "sql-expression":
                raise TypeError(
                    f"Plugin class {name} may not subclass {base.__name__}: query expressions write raw SQL."
                )
            if kind:
                raise TypeError(f"Plugin class {name} may not subclass {base.__name__}.")
        sql = _django_sql_types()
        if sql and any(isinstance(base, type) and issubclass(base, sql["models"]) for base in bases):
            meta = namespace.get("Meta")
            for option in ("db_table", "app_label"):
                if meta is not None and hasattr(meta, option):
                    raise TypeError(f"Plugin model {name} may not set Meta.{option}.")

    def exit_guard(self, exit_method: types.FunctionType) -> Callable[..., Any]:
        """Wrap a plugin `__exit__` so that it cannot swallow what is not the plugin's to catch."""
        sandbox = self

        @functools.wraps(exit_method)
        def __exit__(this: Any, exc_type: Any = None, exc: Any = None, tb: Any = None, *rest: Any) -> Any:
            result = exit_method(this, exc_type, exc, tb, *rest)
            if exc is not None and not sandbox.may_catch(exc):
                return False
            return result

        return __exit__

    def exc_guard(self) -> None:
        """First statement of every plugin `except` block: re-raise what the plugin may not catch."""
        exc = sys.exc_info()[1]
        if exc is not None and not self.may_catch(exc):
            raise exc

    def print_(self, _getattr_: Any = None) -> _PrintForwarder:
        return _PrintForwarder(self)

    # install-time checks

    def deferred_import_problems(self) -> list[str]:
        """Problems with imports that only run later (inside functions and classes), in every
        module this load compiled, and in plugin modules only those imports reach."""
        problems: list[str] = []
        seen: set[str] = set()
        pending = list(self.trees)
        while pending:
            fullname = pending.pop()
            if fullname in seen or fullname not in self.trees:
                continue
            seen.add(fullname)
            tree, display = self.trees[fullname]
            package = fullname if self.trees[fullname][1].endswith("__init__.py") else fullname.rpartition(".")[0]
            for node, absolute, names in _deferred_imports(tree, package):
                where = f"{display}, line {node.lineno}"
                if absolute is None:
                    problems.append(f"{where}: ImportError: attempted relative import beyond top-level package")
                elif absolute.partition(".")[0] == self.name:
                    targets = [absolute, *(f"{absolute}.{n}" for n in names if n != "*")]
                    for target in targets:
                        if target in self.trees or target in self.modules:
                            pending.append(target)
                            continue
                        try:
                            self.compile_module(target)
                        except ModuleNotFoundError:
                            if target == absolute:
                                problems.append(f"{where}: ModuleNotFoundError: No module named '{target}'")
                        except Exception as exc:
                            problems.append(_describe(exc))
                        else:
                            pending.append(target)
                else:
                    try:
                        self.resolve_external(absolute, names)
                    except ImportError as exc:
                        problems.append(f"{where}: {_describe(exc)}")
        return problems


def _deferred_imports(tree: ast.Module, package: str) -> Iterator[tuple[ast.stmt, str | None, tuple[str, ...]]]:
    """Yield (node, absolute module or None, names) for imports not run at module level, leaving
    out those guarded by a try/except."""

    def walk(node: ast.AST, deferred: bool, guarded: bool) -> Iterator[tuple[ast.stmt, str | None, tuple[str, ...]]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import) and deferred and not guarded:
                for alias in child.names:
                    yield child, alias.name, ()
            elif isinstance(child, ast.ImportFrom) and deferred and not guarded:
                try:
                    absolute = (
                        _resolve_relative(child.module or "", package, child.level) if child.level else child.module
                    )
                except ImportError:
                    absolute = None
                yield child, absolute, tuple(a.name for a in child.names)
            else:
                inner = deferred or isinstance(
                    child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
                )
                inner_guarded = guarded or (isinstance(child, ast.Try) and bool(child.handlers))
                yield from walk(child, inner, inner_guarded)

    yield from walk(tree, False, False)


def _resolve_relative(name: str, package: str, level: int) -> str:
    parts = package.split(".") if package else []
    if level > len(parts):
        raise ImportError("attempted relative import beyond top-level package")
    base = ".".join(parts[: len(parts) - level + 1])
    return f"{base}.{name}" if name else base


def _allowed_module(module: str, *, parents: bool = False) -> bool:
    """Whether plugin code may hold the module object `module` (by its plugin-facing name)."""
    if allowed_imports.attribute_rule(module) is not None:
        return True
    return parents and allowed_imports.is_parent(module)


def _is_submodule(module: str, name: str, rule: allowed_imports.ModuleRule) -> bool:
    """Whether `from module import name` names an allowed submodule rather than a listed name."""
    return (rule.names is None or name not in rule.names) and _allowed_module(f"{module}.{name}")


def _display_name(obj: Any) -> str:
    if isinstance(obj, types.ModuleType):
        return _canvas_name(_module_name(obj))
    if isinstance(obj, type | types.FunctionType | types.BuiltinFunctionType):
        return str(obj.__name__)
    return type(obj).__name__


@contextlib.contextmanager
def _visible_while_running(fullname: str, module: types.ModuleType) -> Iterator[None]:
    """Put the plugin module in sys.modules while its body runs: class decorators and metaclasses
    (dataclasses, pydantic) look a class's module up there. Never replaces a host module (plugin
    names cannot shadow installed ones)."""
    if fullname in sys.modules:
        yield
        return
    sys.modules[fullname] = module
    try:
        yield
    finally:
        if sys.modules.get(fullname) is module:
            del sys.modules[fullname]


# --- string annotations ------------------------------------------------------------------------
#
# typing and pydantic evaluate string annotations ("list[Foo]", or every annotation under
# `from __future__ import annotations`) with eval(), outside the sandbox. A plugin controls those
# strings, so evaluating them with plain eval would run unrestricted code. The guard below makes
# ForwardRef evaluation compile the string with the sandbox's rules unless the namespace is a
# host module's own (then it is host code, evaluated as before).

_original_evaluate: Callable[..., Any] | None = None
_fallback_sandbox: _Sandbox | None = None


def _install_forward_ref_guard() -> None:
    global _original_evaluate
    if _original_evaluate is not None:
        return
    _original_evaluate = typing.ForwardRef._evaluate
    typing.ForwardRef._evaluate = _guarded_evaluate  # type: ignore[method-assign]


def _is_host_namespace(namespace: Any) -> bool:
    if not isinstance(namespace, dict):
        return False
    name = namespace.get("__name__")
    module = sys.modules.get(name) if isinstance(name, str) else None
    return module is not None and getattr(module, "__dict__", None) is namespace and not _is_plugin_namespace(namespace)


def _is_plugin_namespace(namespace: Any) -> bool:
    module = _plugin_namespaces.get(id(namespace))
    return module is not None and module.__dict__ is namespace


@functools.lru_cache(maxsize=512)
def _compile_annotation(text: str) -> types.CodeType:
    source = f"({text},)[0]" if text.startswith("*") else text
    try:
        tree = ast.parse(source, filename="<annotation>", mode="eval")
    except SyntaxError as exc:
        raise PluginSyntaxError(f"annotation {text!r} is not an expression") from exc
    errors = _restrict(tree)
    if errors:
        raise PluginSyntaxError(f"annotation {text!r} is not allowed in plugin code: {'; '.join(errors)}")
    return compile(tree, "<annotation>", "eval", dont_inherit=True)


def _guarded_evaluate(self: typing.ForwardRef, globalns: Any, localns: Any, *args: Any, **kwargs: Any) -> Any:
    if _original_evaluate is None:
        raise RuntimeError("the ForwardRef guard is not installed")
    namespace = globalns if globalns is not None else localns
    if self.__forward_module__ is not None:
        namespace = getattr(sys.modules.get(self.__forward_module__), "__dict__", namespace)
    if _is_host_namespace(namespace):
        return _original_evaluate(self, globalns, localns, *args, **kwargs)
    if _is_plugin_namespace(namespace):
        evaluation_globals = namespace
    else:
        global _fallback_sandbox
        if _fallback_sandbox is None:
            _fallback_sandbox = _Sandbox(name="", directory=Path("/nonexistent"), provided=lambda module, name: False)
        evaluation_globals = {
            **(namespace if isinstance(namespace, dict) else {}),
            **_fallback_sandbox._globals("<annotation>", Path("<annotation>"), package=False),
        }
    restricted = typing.ForwardRef(
        self.__forward_arg__, is_argument=self.__forward_is_argument__, is_class=self.__forward_is_class__
    )
    restricted.__forward_code__ = _compile_annotation(self.__forward_arg__)
    return _original_evaluate(restricted, evaluation_globals, localns, *args, **kwargs)
