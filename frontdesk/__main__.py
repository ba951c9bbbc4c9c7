"""The `frontdesk` command: Django's manage.py with frontdesk's settings.

frontdesk migrate | demo | serve | events_worker | createsuperuser | ...
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["frontdesk", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
