"""The login banner's HTML: an allow-list keeps formatting and drops anything that can run."""

from __future__ import annotations

import pytest

from frontdesk.lib.sanitize import disallowed_parts, sanitize_html

REL = ' rel="noopener noreferrer nofollow"'


@pytest.mark.parametrize(
    ("html", "clean"),
    [
        ("<p>Hi <strong>there</strong></p>", "<p>Hi <strong>there</strong></p>"),
        ("<h2>Closed</h2><ul><li>Mon</li></ul>", "<h2>Closed</h2><ul><li>Mon</li></ul>"),
        ("<script>alert(1)</script><p>x</p>", "<p>x</p>"),
        ("<ScRiPt>alert(1)</ScRiPt>ok", "ok"),
        ("<style>p{color:red}</style><p>x</p>", "<p>x</p>"),
        ('<p onclick="steal()">a</p>', "<p>a</p>"),
        ("<P ONMOUSEOVER=x>u</P>", "<p>u</p>"),
        ('<p style="color:red">s</p>', "<p>s</p>"),
        ('<a href="javascript:alert(1)">a</a>', f"<a{REL}>a</a>"),
        ('<a href=" JaVaScRiPt:alert(1)">a</a>', f"<a{REL}>a</a>"),
        ('<a href="&#106;avascript:alert(1)">a</a>', f"<a{REL}>a</a>"),
        ('<a href="data:text/html,x">d</a>', f"<a{REL}>d</a>"),
        ('<a href="https://example.com/x">a</a>', f'<a href="https://example.com/x"{REL}>a</a>'),
        ('<a href="mailto:desk@example.com">m</a>', f'<a href="mailto:desk@example.com"{REL}>m</a>'),
        ('<img src="x" onerror="alert(1)">', ""),
        ('<iframe src="https://example.com"></iframe>', ""),
        ("<!-- note --><p>x</p>", "<p>x</p>"),
        ("", ""),
    ],
)
def test_it_keeps_formatting_and_removes_what_can_run(html: str, clean: str) -> None:
    assert sanitize_html(html) == clean


@pytest.mark.parametrize(
    ("html", "problems"),
    [
        ("<p>Hi <strong>there</strong></p>", []),
        ('<a href="https://example.com" title="t">a</a>', []),
        ('<a href="/relative">r</a>', []),
        ("", []),
        ("<script>alert(1)</script>", ["<script>"]),
        ("<p>x</p><script>alert(1)", ["<script>"]),
        ("<div><script/></div>", ["<script>"]),
        ('<p onclick="x()">a</p>', ["the onclick attribute on <p>"]),
        ('<p style="color:red">s</p>', ["the style attribute on <p>"]),
        ('<a href="javascript:alert(1)">a</a>', ["a javascript: link"]),
        ('<a href="&#106;avascript:alert(1)">a</a>', ["a javascript: link"]),
        ('<a href="vbscript:x">v</a>', ["a vbscript: link"]),
        ('<img src="x" onerror="alert(1)">', ["<img>"]),
        (
            '<script>a</script><script>b</script><p onclick="x">y</p>',
            ["<script>", "the onclick attribute on <p>"],
        ),
    ],
)
def test_it_names_each_part_sanitising_would_remove(html: str, problems: list[str]) -> None:
    assert disallowed_parts(html) == problems
