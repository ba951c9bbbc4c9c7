"""Ways out of the sandbox, and where each is stopped: at load (compile or import) or when the
code runs (AttributeError, NameError, PermissionError, TypeError)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from frontdesk.plugins.sandbox import DUNDER_ATTRIBUTES, LoadedPlugin, load_plugin

FIXTURES = Path(__file__).parent / "fixtures"


def underscore(name: str) -> str:
    return re.escape(f'"{name}" is an invalid attribute name because it starts with "_"')


def fixture(name: str) -> LoadedPlugin:
    pytest.importorskip("frontdesk.sdk.handlers.base")
    manifest = json.loads((FIXTURES / name / "CANVAS_MANIFEST.json").read_text())
    refs = [item["class"] for item in manifest["components"]["handlers"]]
    return load_plugin(FIXTURES / name, name=name, handler_refs=refs)


def handler(root: Path, source: str) -> Any:
    """Class H of a one-module plugin whose module is `source` (which must load)."""
    directory = root / "tmpplug"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "m.py").write_text(textwrap.dedent(source))
    loaded = load_plugin(directory, name="tmpplug", handler_refs=["tmpplug.m:H"])
    assert loaded.errors == {}
    return loaded.handlers["tmpplug.m:H"]


def load_error(root: Path, source: str) -> str:
    directory = root / "tmpplug"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "m.py").write_text(textwrap.dedent(source))
    errors = load_plugin(directory, name="tmpplug", handler_refs=["tmpplug.m:H"]).errors
    return errors["tmpplug.m:H"].removeprefix("Error importing module 'tmpplug:tmpplug.m:H': ")


# --- attribute walks (subclasses_escape) --------------------------------------------------------


@pytest.mark.parametrize(
    ("attempt", "error", "message"),
    [
        ("via_bases", AttributeError, underscore("__bases__")),
        ("via_type", AttributeError, underscore("__subclasses__")),
        ("via_object", AttributeError, underscore("__subclasses__")),
        ("via_getattr_globals", AttributeError, underscore("__globals__")),
        ("via_code", AttributeError, underscore("__code__")),
        (
            "via_generator_frame",
            AttributeError,
            re.escape('"gi_frame" is a restricted name, that is forbidden to access in RestrictedPython.'),
        ),
        ("via_format", AttributeError, underscore("__base__")),
        ("via_vars_format", AttributeError, underscore("__globals__")),
        ("via_format_map", AttributeError, re.escape('"format_map" is not an allowed attribute name in plugin code.')),
        ("via_mro", AttributeError, re.escape('"mro" is not an allowed attribute name in plugin code.')),
        ("via_builtin_self", AttributeError, underscore("__self__")),
        ("via_traceback", AttributeError, underscore("__traceback__")),
        ("via_type_call", TypeError, re.escape("type() takes exactly one argument in plugin code")),
        ("via_class_of_type", TypeError, re.escape("type() takes exactly one argument in plugin code")),
    ],
)
def test_it_stops_attribute_walks_when_they_run(attempt: str, error: type[Exception], message: str) -> None:
    escapes: Any = fixture("subclasses_escape").handlers["subclasses_escape.handlers.escapes:Escapes"]

    with pytest.raises(error, match=f"^{message}"):
        getattr(escapes, attempt)()


def test_it_refuses_frame_attributes_at_load() -> None:
    loaded = fixture("subclasses_escape")

    assert list(loaded.handlers) == ["subclasses_escape.handlers.escapes:Escapes"]
    why = loaded.errors["subclasses_escape.handlers.frame:FrameEscape"]
    assert why.startswith(
        "Error importing module 'subclasses_escape:subclasses_escape.handlers.frame:FrameEscape': PluginSyntaxError: "
    )
    assert 'subclasses_escape/handlers/frame.py, line 12: "gi_frame" is a restricted name' in why
    assert 'subclasses_escape/handlers/frame.py, line 12: "f_globals" is a restricted name' in why


# --- builtins (builtins_escape) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempt", "error", "message"),
    [
        ("via_open", NameError, "name 'open' is not defined"),
        ("via_compile", NameError, "name 'compile' is not defined"),
        ("via_globals", NameError, "name 'globals' is not defined"),
        ("via_locals", NameError, "name 'locals' is not defined"),
        ("via_input", NameError, "name 'input' is not defined"),
        ("via_system_exit", NameError, "name 'SystemExit' is not defined"),
        ("via_getattr_builtins", AttributeError, underscore("__self__")),
    ],
)
def test_it_has_no_builtins_to_escape_with(attempt: str, error: type[Exception], message: str) -> None:
    call_time: Any = fixture("builtins_escape").handlers["builtins_escape.handlers.call_time:CallTime"]

    with pytest.raises(error, match=f"^{message}"):
        getattr(call_time, attempt)()


def test_it_refuses_import_eval_and_exec_at_load() -> None:
    errors = fixture("builtins_escape").errors
    prefix = "Error importing module 'builtins_escape:builtins_escape.handlers"

    assert errors == {
        "builtins_escape.handlers.dunder_import:DunderImport": (
            f"{prefix}.dunder_import:DunderImport': PluginSyntaxError: "
            'builtins_escape/handlers/dunder_import.py, line 8: "__import__" is a reserved name.'
        ),
        "builtins_escape.handlers.uses_eval:UsesEval": (
            f"{prefix}.uses_eval:UsesEval': PluginSyntaxError: builtins_escape/handlers/uses_eval.py, line 9: Eval calls are not allowed."
        ),
        "builtins_escape.handlers.uses_exec:UsesExec": (
            f"{prefix}.uses_exec:UsesExec': PluginSyntaxError: builtins_escape/handlers/uses_exec.py, line 9: Exec calls are not allowed."
        ),
    }


# --- assignments and private names --------------------------------------------------------------


def test_it_forbids_assigning_to_imported_classes_modules_and_functions(tmp_path: Path) -> None:
    h = handler(
        tmp_path,
        """
        import json
        from decimal import Decimal

        class H:
            @staticmethod
            def class_attribute():
                Decimal.precision = 3

            @staticmethod
            def with_setattr():
                setattr(Decimal, "precision", 3)

            @staticmethod
            def deleting():
                del json.dumps

            @staticmethod
            def module_attribute():
                json.dumps = repr

            @staticmethod
            def function_attribute():
                json.dumps.cache = {}
        """,
    )

    for attempt, owner in [
        ("class_attribute", "Decimal"),
        ("with_setattr", "Decimal"),
        ("deleting", "json"),
        ("module_attribute", "json"),
        ("function_attribute", "dumps"),
    ]:
        with pytest.raises(AttributeError, match=f"^Forbidden assignment to an attribute of {owner}\\.$"):
            getattr(h, attempt)()


def test_it_keeps_private_names_to_the_plugins_own_objects(tmp_path: Path) -> None:
    h = handler(
        tmp_path,
        """
        from email.mime.text import MIMEText

        class Base:
            def _hook(self):
                return "base"

        class H(Base):
            def __init__(self):
                self._cache = {}
                self.__secret = "mine"

            def _hook(self):
                return super()._hook() + "+h"

            def own(self):
                self._cache["k"] = 1
                return self._cache, self.__secret, self._hook(), sorted(vars(self))

            @staticmethod
            def public_on_theirs():
                message = MIMEText("x")
                message.preamble = "set"
                return message.preamble

            @staticmethod
            def private_on_theirs():
                return MIMEText("x")._payload

            @staticmethod
            def private_write_on_theirs():
                MIMEText("x")._payload = "y"
        """,
    )

    assert h().own() == ({"k": 1}, "mine", "base+h", ["_H__secret", "_cache"])
    assert h.public_on_theirs() == "set"
    with pytest.raises(AttributeError, match=f"^{underscore('_payload')}$"):
        h.private_on_theirs()
    with pytest.raises(AttributeError, match=f"^{underscore('_payload')}$"):
        h.private_write_on_theirs()


def test_it_filters_dict_of_what_is_not_the_plugins(tmp_path: Path) -> None:
    h = handler(
        tmp_path,
        """
        import json

        class H:
            def go(self):
                self.x = 1
                live = self.__dict__
                live["y"] = 2
                return sorted(json.__dict__), sorted(vars(str)), "format_map" in vars(str), self.y
        """,
    )

    module_names, str_names, has_format_map, y = h().go()
    assert module_names == ["JSONDecodeError", "dump", "dumps", "load", "loads"]
    assert {"__eq__", "__len__", "format", "join"} <= set(str_names)  # allow-listed dunders stay
    assert {name for name in str_names if name.startswith("_")} <= DUNDER_ATTRIBUTES
    assert not {"__getattribute__", "__reduce_ex__", "__subclasshook__"} & set(str_names)
    assert has_format_map is False
    assert y == 2


def test_it_keeps_the_guards_out_of_reach(tmp_path: Path) -> None:
    h = handler(
        tmp_path,
        """
        import tmpplug.m as me

        class H:
            @staticmethod
            def read_guard():
                return me._getattr_

            @staticmethod
            def replace_guard():
                me._write_ = None

            @staticmethod
            def replace_builtins():
                setattr(me, "__builtins__", {})
        """,
    )

    with pytest.raises(AttributeError, match=r'^"_getattr_" is not an allowed attribute name in plugin code\.$'):
        h.read_guard()
    with pytest.raises(AttributeError, match=f"^{underscore('_write_')}$"):
        h.replace_guard()
    with pytest.raises(AttributeError, match=f"^{underscore('__builtins__')}$"):
        h.replace_builtins()


# --- SQL -----------------------------------------------------------------------------------------


def test_it_blocks_raw_and_extra_queries(tmp_path: Path) -> None:
    pytest.importorskip("frontdesk.sdk.v1.data")
    h = handler(
        tmp_path,
        """
        from canvas_sdk.v1.data import Patient

        class H:
            @staticmethod
            def raw():
                return Patient.objects.raw("SELECT * FROM accounts_user")

            @staticmethod
            def extra():
                return Patient.objects.all().extra(where=["1=1"])

            @staticmethod
            def compiler():
                return Patient.objects.all().query.get_compiler("default")
        """,
    )

    with pytest.raises(PermissionError, match=r"^raw\(\) queries are not allowed$"):
        h.raw()
    with pytest.raises(PermissionError, match=r"^extra\(\) queries are not allowed$"):
        h.extra()
    with pytest.raises(AttributeError, match=r"^'Query' internals are not available to plugin code\.$"):
        h.compiler()


def test_it_refuses_raw_sql_through_query_expressions(tmp_path: Path) -> None:
    h = handler(
        tmp_path,
        """
        from django.db.models import Count, Q, Value

        class H:
            @staticmethod
            def template():
                return Count("id", template="(SELECT password FROM accounts_user)")

            @staticmethod
            def rewrite_template():
                count = Count("id")
                count.template = "(SELECT 1)"

            @staticmethod
            def connector():
                return Q.create([("id", 1)], connector=") OR 1=1 --")

            @staticmethod
            def fine():
                return Count("id", distinct=True), Q(id=1) | Q(id=2), Value(3)
        """,
    )

    with pytest.raises(PermissionError, match=r"^Count\(template=\.\.\.\) is not allowed: it writes raw SQL$"):
        h.template()
    with pytest.raises(AttributeError, match=r"^Forbidden assignment to an attribute of Count\.$"):
        h.rewrite_template()
    with pytest.raises(AttributeError, match=r'^"create" is not an allowed attribute name in plugin code\.$'):
        h.connector()
    assert len(h.fine()) == 3


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "from django.db.models import Count\n\nclass H(Count):\n    template = '(SELECT 1)'\n",
            "TypeError: Plugin class H may not subclass Count: query expressions write raw SQL.",
        ),
        (
            "from django.db.models import CharField, Model\n\nclass H(Model):\n    session_key = CharField()\n\n"
            "    class Meta:\n        db_table = 'django_session'\n",
            "TypeError: Plugin model H may not set Meta.db_table.",
        ),
    ],
)
def test_it_refuses_classes_that_would_write_their_own_sql(tmp_path: Path, source: str, message: str) -> None:
    assert load_error(tmp_path, source) == message


# --- exceptions that belong to the host -----------------------------------------------------------


class HostLimit(BaseException):
    """Stands in for the runner's LimitExceeded."""


def test_it_lets_no_plugin_code_catch_the_hosts_exceptions(tmp_path: Path) -> None:
    h = handler(
        tmp_path,
        """
        class Swallow:
            def __enter__(self):
                return self

            def __exit__(self, *exc_info):
                return True

        class Mine(BaseException):
            pass

        class H:
            @staticmethod
            def bare_except(callback):
                try:
                    callback()
                except:
                    return "swallowed"

            @staticmethod
            def base_exception(callback):
                try:
                    callback()
                except BaseException:
                    return "swallowed"

            @staticmethod
            def context_manager(callback):
                with Swallow():
                    callback()
                return "swallowed"

            @staticmethod
            def ordinary(callback):
                try:
                    callback()
                except Exception as exc:
                    return f"caught {exc}"

            @staticmethod
            def own():
                try:
                    raise Mine()
                except BaseException:
                    return "caught mine"
                with Swallow():
                    raise Mine()
        """,
    )

    def limit() -> None:
        raise HostLimit()

    def generator_exit() -> None:
        raise GeneratorExit()

    for attempt in ("bare_except", "base_exception", "context_manager"):
        with pytest.raises(HostLimit):
            getattr(h, attempt)(limit)
        with pytest.raises(GeneratorExit):
            getattr(h, attempt)(generator_exit)

    def ordinary() -> None:
        raise ValueError("fine")

    assert h.ordinary(ordinary) == "caught fine"
    assert h.own() == "caught mine"


# --- string annotations (typing and pydantic evaluate them) -----------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "from pydantic import BaseModel\n\nclass H(BaseModel):\n    x: '().__class__.__base__.__subclasses__()'\n",
        "from pydantic import BaseModel\n\nEVIL = '().__class__.__base__'\n\nclass H(BaseModel):\n    x: EVIL\n",
        "from pydantic import BaseModel\n\nEVIL = '().__class__.__base__'\n\nclass H(BaseModel):\n    x: list[EVIL]\n",
        "from __future__ import annotations\nfrom pydantic import BaseModel\n\nclass H(BaseModel):\n    x: ().__class__.__base__\n",
    ],
)
def test_it_evaluates_string_annotations_inside_the_sandbox(tmp_path: Path, source: str) -> None:
    assert load_error(tmp_path, source) == f"AttributeError: {underscore('__base__').replace(chr(92), '')}"


def test_it_evaluates_type_hints_inside_the_sandbox(tmp_path: Path) -> None:
    h = handler(
        tmp_path,
        """
        from typing import TypedDict, get_type_hints

        EVIL = "().__class__.__base__"

        def annotated(value: EVIL):
            pass

        Shape = TypedDict("Shape", {"value": EVIL})

        class H:
            @staticmethod
            def function():
                return get_type_hints(annotated)

            @staticmethod
            def typed_dict():
                return get_type_hints(Shape)
        """,
    )

    for attempt in ("function", "typed_dict"):
        with pytest.raises(AttributeError, match=f"^{underscore('__base__')}$"):
            getattr(h, attempt)()


def test_plugin_models_with_string_annotations_still_work(tmp_path: Path) -> None:
    h = handler(
        tmp_path,
        """
        from __future__ import annotations

        import datetime
        from dataclasses import dataclass
        from typing import ClassVar

        from pydantic import BaseModel


        class Visit(BaseModel):
            day: datetime.date
            notes: list[str] | None = None
            next: Later | None = None


        class Later(BaseModel):
            days: int = 1


        Visit.model_rebuild()


        @dataclass
        class Tag:
            KIND: ClassVar[str] = "tag"
            label: str = ""


        class H:
            def go(self):
                visit = Visit(day="2024-05-01", notes=["a"], next={"days": 3})
                return visit.day.isoformat(), visit.next.days, Tag("x").label, Tag.KIND
        """,
    )

    assert h().go() == ("2024-05-01", 3, "x", "tag")


def test_host_annotations_are_evaluated_as_before(tmp_path: Path) -> None:
    import collections.abc

    from pydantic import BaseModel

    handler(tmp_path, "class H:\n    pass\n")  # a load installs the annotation guard

    class HostModel(BaseModel):
        values: collections.abc.Sequence[int]  # a module plugin code may not reach

    assert HostModel(values=[1, 2]).values == [1, 2]


# --- host objects plugin code can reach ---------------------------------------------------------


def test_it_keeps_the_sdk_logger_to_logging(tmp_path: Path) -> None:
    pytest.importorskip("frontdesk.sdk.logger")
    h = handler(
        tmp_path,
        """
        from logger import log

        class H:
            @staticmethod
            def logs():
                log.info("hello %s", "there")
                return log.name, log.isEnabledFor(50)

            @staticmethod
            def root_handlers():
                return log.root.handlers

            @staticmethod
            def handlers():
                return log.handlers

            @staticmethod
            def silence():
                log.disabled = True
        """,
    )

    assert h.logs() == ("frontdesk.plugins.sdk", True)
    with pytest.raises(AttributeError, match=r'^"root" is not available on loggers in plugin code\.$'):
        h.root_handlers()
    with pytest.raises(AttributeError, match=r'^"handlers" is not available on loggers in plugin code\.$'):
        h.handlers()
    with pytest.raises(AttributeError, match=r"^Forbidden assignment to an attribute of Logger\.$"):
        h.silence()
    assert load_error(tmp_path / "sub", "from logger import log\n\n\nclass H(type(log)):\n    pass\n") == (
        "TypeError: Plugin class H may not subclass Logger."
    )


def test_it_makes_files_processes_and_threads_it_reaches_opaque(tmp_path: Path) -> None:
    import io
    import logging
    import pathlib
    import threading

    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage

    h = handler(
        tmp_path,
        """
        class H:
            @staticmethod
            def read(obj):
                return obj.read()

            @staticmethod
            def class_of(obj):
                return obj.__class__

            @staticmethod
            def type_of(obj):
                return type(obj)

            @staticmethod
            def memory():
                import io

                buffer = io.StringIO()
                buffer.write("in memory")
                return buffer.getvalue()
        """,
    )
    real_file = (tmp_path / "host.txt").open("w")
    opaque = {
        "TextIOWrapper": real_file,
        "PosixPath": pathlib.Path("/etc/hostname"),
        "lock": threading.Lock(),
        "StreamHandler": logging.StreamHandler(io.StringIO()),
        "FileSystemStorage": FileSystemStorage(location=str(tmp_path)),
    }

    for shown, obj in opaque.items():
        with pytest.raises(AttributeError, match=f"^'{shown}' objects are not available to plugin code\\.$"):
            h.read(obj)
        with pytest.raises(AttributeError, match=f"^'{shown}' objects are not available to plugin code\\.$"):
            h.class_of(obj)
        with pytest.raises(TypeError, match=f"^the type of '{shown}' objects is not available to plugin code$"):
            h.type_of(obj)
    with pytest.raises(AttributeError, match=r'^"read" is not available on files in plugin code\.$'):
        h.read(ContentFile(b"secret", name="a.txt"))
    assert h.memory() == "in memory"
    real_file.close()


def test_it_refuses_canvas_names_that_would_start_threads(tmp_path: Path) -> None:
    http = pytest.importorskip("frontdesk.sdk.utils.http")
    if not hasattr(http, "ThreadPoolExecutor"):
        pytest.skip("frontdesk.sdk.utils.http does not offer ThreadPoolExecutor")

    assert load_error(tmp_path, "from canvas_sdk.utils.http import ThreadPoolExecutor\n\n\nclass H:\n    pass\n") == (
        "ImportError: 'ThreadPoolExecutor' from 'canvas_sdk.utils.http' is not available to plugin code in frontdesk."
    )


PRIVATE_READS = {
    "attribute": "CanvasUser.objects.first().password",
    "values": "list(CanvasUser.objects.values('password'))",
    "values_list": "list(CanvasUser.objects.values_list('email', 'password'))",
    "lookup": "CanvasUser.objects.filter(password__startswith='argon2').exists()",
    "q": "CanvasUser.objects.filter(Q(email='x') | Q(password__contains='$')).exists()",
    "f": "CanvasUser.objects.filter(email=F('password')).exists()",
    "related": "Patient.objects.filter(user__password__startswith='a').exists()",
    "order": "list(CanvasUser.objects.order_by('password'))",
    "contact token": "PatientContactPoint.objects.filter(verification_token__startswith='a').exists()",
}


@pytest.mark.django_db
@pytest.mark.parametrize("expression", PRIVATE_READS.values(), ids=PRIVATE_READS.keys())
def test_it_refuses_reading_credentials(tmp_path: Path, expression: str, alice: Any) -> None:
    package = tmp_path / "peek"
    (package / "handlers").mkdir(parents=True)
    (package / "handlers" / "__init__.py").write_text("")
    (package / "handlers" / "main.py").write_text(
        "from django.db.models import F, Q\n"
        "from canvas_sdk.handlers.base import BaseHandler\n"
        "from canvas_sdk.v1.data import CanvasUser, Patient, PatientContactPoint\n\n\n"
        "class Peek(BaseHandler):\n"
        "    RESPONDS_TO = 'PATIENT_CREATED'\n\n"
        "    def compute(self):\n"
        f"        return {expression}\n"
    )
    loaded = load_plugin(package, name="peek", handler_refs=["peek.handlers.main:Peek"])
    handler = loaded.handlers["peek.handlers.main:Peek"](SimpleNamespace(context={}, target=None))

    with pytest.raises((AttributeError, PermissionError), match="is not available to plugin code"):
        handler.compute()
