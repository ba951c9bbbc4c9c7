"""`canvas_sdk.effects.widgets`: portal landing-page widgets."""

from frontdesk.sdk.effects.widgets.portal_widget import PortalWidget

__all__ = ["PortalWidget"]
