"""`PatientPortalMenuConfiguration`: which built-in portal menu items show, in what order.

The list replaces the portal's own menu (SHOW_PATIENT_PORTAL_MENU_ITEMS); payload
`{"data": {"items": ["appointments", ...]}}`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field, Strict

from frontdesk.sdk.effects.base import _BaseEffect
from frontdesk.sdk.effects.effect_type import EffectType


class MenuItems(StrEnum):
    APPOINTMENTS = "appointments"
    MESSAGING = "messaging"
    MY_HEALTH = "my_health"
    PAYMENTS = "payments"
    LABS = "labs"
    CONTACT = "contact"
    RECORDS = "records"


# The class re-exports MenuItems under the same name; fields refer to it by this one.
_MenuItem = MenuItems


class PatientPortalMenuConfiguration(_BaseEffect):
    """The portal menu, at least one item.

    `items` also accepts the items' string values ("labs"), not only `MenuItems` members, and
    the enum is reachable as `PatientPortalMenuConfiguration.MenuItems` too.
    """

    class Meta:
        effect_type = EffectType.SHOW_PATIENT_PORTAL_MENU_ITEMS

    MenuItems: ClassVar[type[MenuItems]] = MenuItems

    items: list[Annotated[_MenuItem, Strict(False)]] = Field(min_length=1)
