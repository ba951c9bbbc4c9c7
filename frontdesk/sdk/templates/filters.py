"""The template filters plugin templates get as builtins: `sanitize_html`."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from frontdesk.lib.sanitize import sanitize_html as _sanitize

register = template.Library()


@register.filter(name="sanitize_html")
def sanitize_html(value: object) -> SafeString:
    """Return `value` as HTML with everything outside frontdesk's allow-list removed, marked safe."""
    return mark_safe(_sanitize("" if value is None else str(value)))  # noqa: S308 (sanitised just above)
