"""`canvas_sdk.templates`: `render_to_string` for a plugin's own template files."""

from frontdesk.sdk.templates.utils import render_to_string

__all__ = ["render_to_string"]
