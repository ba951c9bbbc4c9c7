"""`canvas_sdk.utils.html`: `sanitize_html`, frontdesk's allow-list HTML sanitiser."""

from frontdesk.lib.sanitize import sanitize_html

__all__ = ["sanitize_html"]
