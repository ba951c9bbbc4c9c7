"""Sanitise HTML written by staff (the login banner) with an allow-list.

Scripts, styles, event-handler attributes and `javascript:` URLs are removed; what is left is
safe to render with `mark_safe`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "small",
    "span",
    "strong",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "*": {"class", "role", "aria-label"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}


def sanitize_html(html: str) -> str:
    """Return `html` with everything outside the allow-list removed (text content is kept)."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def disallowed_parts(html: str) -> list[str]:
    """Return a readable list of what sanitising would remove from `html` (empty when nothing).

    Used by forms to refuse unsafe HTML with a message that names the problem, instead of
    silently saving something other than what staff typed.
    """
    collector = _Collector()
    collector.feed(html or "")
    # A tag left open at the end is held back by the parser (waiting for its ">") and dropped by
    # sanitising: report it too.
    unfinished = re.match(r"<([a-zA-Z][a-zA-Z0-9-]*)", collector.rawdata)
    collector.close()
    problems: list[str] = []
    if unfinished:
        problems.append(f"an unfinished <{unfinished.group(1).lower()}> tag")
    for tag, attrs in collector.elements:
        if tag not in ALLOWED_TAGS:
            problems.append(f"<{tag}>")
            continue
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ALLOWED_ATTRIBUTES["*"]
        for name, value in attrs:
            if name not in allowed:
                problems.append(f"the {name} attribute on <{tag}>")
            elif name == "href" and value is not None:
                scheme = value.strip().split(":", 1)[0].lower() if ":" in value else ""
                if scheme and scheme not in ALLOWED_URL_SCHEMES:
                    problems.append(f"a {scheme}: link")
    return list(dict.fromkeys(problems))


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag.lower(), [(n.lower(), v) for n, v in attrs]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
