"""What the sandbox's compiler refuses (load errors naming file and line) and what ordinary
plugin code it keeps working."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from frontdesk.plugins.sandbox import load_plugin

FIXTURES = Path(__file__).parent / "fixtures"


def load_source(root: Path, source: str) -> Any:
    directory = root / "tmpplug"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "m.py").write_text(textwrap.dedent(source))
    return load_plugin(directory, name="tmpplug", handler_refs=["tmpplug.m:H"])


def load_error(root: Path, source: str) -> str:
    errors = load_source(root, source).errors
    assert list(errors) == ["tmpplug.m:H"], errors
    return str(errors["tmpplug.m:H"]).removeprefix("Error importing module 'tmpplug:tmpplug.m:H': ")


def handler(root: Path, source: str) -> Any:
    loaded = load_source(root, source)
    assert loaded.errors == {}
    return loaded.handlers["tmpplug.m:H"]


def test_it_names_the_file_and_line_of_a_syntax_error(tmp_path: Path) -> None:
    message = load_error(tmp_path, "import json\n\n\ndef broken(:\n    pass\n\nclass H:\n    pass\n")

    assert message.startswith("PluginSyntaxError: tmpplug/m.py, line 4: ")


def test_it_reports_the_syntax_error_fixture_per_handler() -> None:
    pytest.importorskip("frontdesk.sdk.handlers.base")
    manifest = json.loads((FIXTURES / "syntax_error" / "CANVAS_MANIFEST.json").read_text())
    refs = [item["class"] for item in manifest["components"]["handlers"]]

    loaded = load_plugin(FIXTURES / "syntax_error", name="syntax_error", handler_refs=refs)

    assert list(loaded.handlers) == ["syntax_error.handlers.fine:Fine"]
    assert loaded.errors == {
        "syntax_error.handlers.broken:Broken": (
            "Error importing module 'syntax_error:syntax_error.handlers.broken:Broken': "
            "PluginSyntaxError: syntax_error/handlers/broken.py, line 12: 'break' outside loop"
        ),
        "syntax_error.handlers.reserved:Reserved": (
            "Error importing module 'syntax_error:syntax_error.handlers.reserved:Reserved': "
            'PluginSyntaxError: syntax_error/handlers/reserved.py, line 11: "_getattr_" is a reserved name.'
        ),
    }


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("_write_ = None", 'line 1: "_write_" is a reserved name.'),
        ("x = _getattr_", 'line 1: "_getattr_" is a reserved name.'),
        ("x = __builtins__", 'line 1: "__builtins__" is a reserved name.'),
        ("__metaclass__ = type", 'line 1: "__metaclass__" is a reserved name.'),
        ("print = None", 'line 1: "print" is a reserved name.'),
        ("x = __loader__", 'line 1: "__loader__" is a reserved name.'),
        ("x = __class__", 'line 1: "__class__" is an invalid variable name because it starts with "_"'),
        (
            "def __getattr__(name):\n    pass",
            'line 1: "__getattr__" is an invalid variable name because it starts with "_"',
        ),
        (
            "class A:\n    __module__ = 'json'",
            'line 2: "__module__" is an invalid variable name because it starts with "_"',
        ),
        ("def f(__x__):\n    pass", 'line 1: "__x__" is an invalid variable name because it starts with "_"'),
        ("class A(metaclass=type):\n    pass", 'line 1: The keyword argument "metaclass" is not allowed.'),
        ("async def f():\n    pass", "line 1: AsyncFunctionDef statements are not allowed."),
        ("def f():\n    x = 1\n    def g():\n        nonlocal x", "line 4: Nonlocal statements are not allowed."),
        ("match 1:\n    case _:\n        pass", "line 1: Match statements are not allowed."),
        ("try:\n    pass\nexcept* ValueError:\n    pass", "line 1: TryStar statements are not allowed."),
        (
            "def f():\n    try:\n        pass\n    finally:\n        return 1",
            "line 5: return inside a finally block is not allowed.",
        ),
        (
            "for x in []:\n    try:\n        pass\n    finally:\n        break",
            "line 5: break inside a finally block is not allowed.",
        ),
        (
            "x = (i for i in []).gi_frame",
            'line 1: "gi_frame" is a restricted name, that is forbidden to access in RestrictedPython.',
        ),
    ],
)
def test_it_refuses_at_compile_time(tmp_path: Path, source: str, message: str) -> None:
    assert load_error(tmp_path, f"{source}\n\n\nclass H:\n    pass\n") == f"PluginSyntaxError: tmpplug/m.py, {message}"


def test_it_keeps_the_names_plugins_are_written_with(tmp_path: Path) -> None:
    h = handler(
        tmp_path,
        """
        \"\"\"A module docstring.\"\"\"

        from enum import Enum

        __all__ = ["H"]
        __version__ = "1.0"

        _REGISTRY = {}


        def _register(name):
            _REGISTRY[name] = True
            return name


        class Level(Enum):
            LOW = 1

            @classmethod
            def _missing_(cls, value):
                return cls.LOW


        class Point:
            __slots__ = ("x",)
            __hash__ = None

            def __init__(self, x):
                self.x = x

            def __eq__(self, other):
                return isinstance(other, Point) and other.x == self.x

            def __repr__(self):
                return f"Point({self.x})"


        class H:
            def go(self):
                _register(__name__)
                return sorted(_REGISTRY), __version__, Level(99), repr(Point(1)), Point(1) == Point(1)
        """,
    )

    assert h().go() == (["tmpplug.m"], "1.0", h.go.__globals__["Level"].LOW, "Point(1)", True)


AUGMENTED = """
class Counter:
    def __init__(self):
        self.total = 0
        self.__private = 10
        self.items = {"a": 1}
        self.series = [1, 2, 3, 4]

    def bump(self):
        self.total += 1
        self.__private -= 1
        self.items["a"] *= 5
        self.series[1:3] += [0]
        self.series[0] += 100
        return self.total, self.__private, dict(self.items), list(self.series)


class H:
    def go(self):
        counter = Counter()
        first = counter.bump()
        counts = {}
        for word in ["x", "y", "x"]:
            counts[word] = counts.get(word, 0)
            counts[word] += 1
        n = 1
        n <<= 3
        return first, counter.bump(), counts, n
"""


def test_it_supports_augmented_assignment_through_the_guards(tmp_path: Path) -> None:
    plain: dict[str, Any] = {}
    exec(AUGMENTED, plain)  # noqa: S102 (the same code outside the sandbox, for comparison)

    assert handler(tmp_path, AUGMENTED)().go() == plain["H"]().go()


def test_it_refuses_augmented_assignment_to_what_it_cannot_assign(tmp_path: Path) -> None:
    h = handler(tmp_path, "import zlib\n\n\nclass H:\n    def go(self):\n        zlib.MAX_WBITS += 1\n")

    with pytest.raises(AttributeError, match=r"^Forbidden assignment to an attribute of zlib\.$"):
        h().go()


def test_it_allows_a_loop_to_break_inside_finally(tmp_path: Path) -> None:
    h = handler(
        tmp_path,
        """
        class H:
            def go(self):
                seen = []
                try:
                    pass
                finally:
                    for i in range(5):
                        if i == 2:
                            break
                        seen.append(i)
                return seen
        """,
    )

    assert h().go() == [0, 1]


def test_it_evaluates_annotations_as_python_does(tmp_path: Path) -> None:
    eager = handler(tmp_path / "eager", "class H:\n    x: int = 1\n")
    lazy = handler(tmp_path / "lazy", "from __future__ import annotations\n\n\nclass H:\n    x: int = 1\n")

    assert eager.__annotations__ == {"x": int}
    assert lazy.__annotations__ == {"x": "int"}


def test_it_keeps_class_keywords(tmp_path: Path) -> None:
    h = handler(
        tmp_path,
        """
        from pydantic import BaseModel


        class H(BaseModel, frozen=True):
            x: int = 1
        """,
    )

    assert h.model_config["frozen"] is True


def test_string_formatting_works_without_reaching_attributes_it_may_not(tmp_path: Path) -> None:
    h = handler(
        tmp_path,
        """
        class H:
            def go(self):
                return (
                    "{0}-{name}".format(1, name="a"),
                    "{0[k]}".format({"k": "v"}),
                    "{0.real}".format(3),
                    str.format("{}!", "hi"),
                    f"{3.14159:.2f}",
                    "%s/%d" % ("a", 2),
                )
        """,
    )

    assert h().go() == ("1-a", "v", "3", "hi!", "3.14", "a/2")


def test_type_answers_questions_but_makes_no_classes(tmp_path: Path) -> None:
    h = handler(
        tmp_path,
        """
        class H:
            def go(self):
                return type(3) is int, isinstance(int, type), type(int) is type, issubclass(bool, int), type[int]
        """,
    )

    assert h().go() == (True, True, True, True, type[int])
