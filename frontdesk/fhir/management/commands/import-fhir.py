"""`frontdesk import-fhir DIR`: load the FHIR R4 NDJSON files in DIR (Patient, Practitioner,
PractitionerRole, Location, Organization, Condition, MedicationRequest, AllergyIntolerance) into
the clinic; the work is `frontdesk.fhir.importer`'s. Running it again updates what changed and
duplicates nothing.

Problems are reported one per line as `file:line: Type/id: element: problem` on stderr (and in
`--report FILE`); a bad line never stops the others. The exit status is 1 only when nothing could
be read, or with `--strict` when any problem was found.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.accounts.models import CanvasUser
from frontdesk.fhir.importer import CHART_TYPES, Importer, Result, read_directory


class ProgressBar:
    """A one-line bar redrawn in place on a terminal: what a person watching wants, nothing more."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self.stream = stream
        self.total = max(total, 1)
        self.shown = -1

    def __call__(self, done: int, kind: str) -> None:
        percent = done * 100 // self.total
        if percent == self.shown and done < self.total:
            return
        self.shown = percent
        filled = percent * 30 // 100
        self.stream.write(f"\r[{'#' * filled}{' ' * (30 - filled)}] {percent:3d}% {done}/{self.total} {kind:<20}")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Import FHIR R4 NDJSON files (a Bulk Data export, Synthea output) into the clinic."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="The directory holding the *.ndjson files.")
        parser.add_argument(
            "--committer",
            metavar="EMAIL",
            help="The staff login that commits the imported conditions, medications and allergies "
            "(needed when the files hold any: only committed chart items are shown).",
        )
        parser.add_argument(
            "--source",
            default="import",
            help="A name for the system the files come from; resource ids are remembered per source "
            "so that a second run updates instead of duplicating (default: import).",
        )
        parser.add_argument("--report", type=Path, metavar="FILE", help="Also write the problems to FILE.")
        parser.add_argument("--dry-run", action="store_true", help="Check everything, write nothing.")
        parser.add_argument("--strict", action="store_true", help="Exit with status 1 when any problem was found.")

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory.")
        result = Result()
        found = read_directory(directory, result)
        committer = self._committer(options["committer"], found, dry_run=options["dry_run"])
        total = sum(len(lines) for lines in found.values())
        bar = ProgressBar(sys.stderr, total) if sys.stderr.isatty() and total else None
        importer = Importer(result=result, source=options["source"], committer=committer, progress=bar)
        importer.run(found, dry_run=options["dry_run"])
        if bar is not None:
            bar.close()
        lines = [str(p) for p in sorted(result.problems, key=lambda p: (p.file, p.line))]
        for line in lines:
            self.stderr.write(line)
        self.stdout.write(result.summary())
        if options["report"] is not None:
            options["report"].write_text("".join(f"{line}\n" for line in [*lines, result.summary()]), encoding="utf-8")
        if not result.readable:
            raise CommandError(f"Nothing could be read from {directory} (no *.ndjson file with a FHIR resource).")
        if options["strict"] and result.problems:
            raise CommandError(f"{len(result.problems)} problems (--strict).")

    def _committer(self, email: str | None, found: dict[str, Any], *, dry_run: bool) -> CanvasUser | None:
        if email is None:
            if any(found.get(kind) for kind in CHART_TYPES) and not dry_run:
                raise CommandError(
                    "The files hold conditions, medications or allergies: name the staff login that commits "
                    "them with --committer EMAIL (only committed chart items are shown)."
                )
            return None
        user = CanvasUser.objects.filter(email=email.strip().lower(), is_staff=True, is_active=True).first()
        if user is None:
            raise CommandError(f"--committer: there is no active staff login {email}.")
        return user
