"""Forms for the portal's appointment pages. They parse and show errors; the choices come from the
view (already filtered by plugins) and the scheduling services decide what may be booked."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms

ANY_PROVIDER = ("", "Any provider")
KEY = re.compile(r"^[0-9a-f]{32}$")


class SlotSearchForm(forms.Form):
    """Find open times: appointment type, location, provider (optional), the week's first day
    (optional, today when empty) and, with structured reasons for visit, the reason and length.

    `choices` maps field name to its options; a field without an entry is left out (rescheduling
    keeps the type and location of the visit it moves; free-text notes leave out `reason`).
    """

    type = forms.ChoiceField(label="Appointment type")
    location = forms.ChoiceField(label="Location")
    reason = forms.ChoiceField(label="Reason for visit", help_text="What the visit is for, and how long it takes.")
    provider = forms.ChoiceField(
        label="Provider", required=False, help_text="Optional. Any provider shows everyone's open times."
    )
    date = forms.DateField(
        label="Week starting",
        required=False,
        help_text="Optional. We show the 7 days from this date; empty means today.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date like 2025-03-04."},
    )

    def __init__(self, data: Any = None, *, choices: dict[str, list[tuple[str, str]]], today: dt.date, **kwargs: Any):
        super().__init__(data, **kwargs)
        self.today = today
        for name in list(self.fields):
            if name == "date":
                continue
            if name not in choices:
                del self.fields[name]
                continue
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101 (the fields above are)
            field.choices = ([ANY_PROVIDER] if name == "provider" else []) + choices[name]
            label = str(field.label).lower()
            field.error_messages["invalid_choice"] = f"Choose one of the listed {label} options."
            field.error_messages["required"] = f"Choose {'an' if name == 'type' else 'a'} {label}."
        self.fields["date"].widget.attrs["min"] = today.isoformat()

    def clean_date(self) -> dt.date:
        chosen: dt.date | None = self.cleaned_data.get("date")
        if chosen is None:
            return self.today
        if chosen < self.today:
            raise forms.ValidationError("Choose today or a later date.")
        return chosen


class PickSlotForm(forms.Form):
    """The chosen time (`provider key|start`), the patient's note and the request's key."""

    slot = forms.CharField(max_length=120, error_messages={"required": "Choose a time."})
    note = forms.CharField(
        label="Note for the clinic (optional)",
        required=False,
        max_length=1000,
        help_text="Anything the clinic should know before your visit. Up to 1,000 characters.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    key = forms.CharField(max_length=32)

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if not KEY.match(key):
            raise forms.ValidationError("This form is out of date. Please choose a time again.")
        return key

    def clean_slot(self) -> tuple[str, dt.datetime]:
        provider, _, start = self.cleaned_data["slot"].partition("|")
        try:
            when = dt.datetime.fromisoformat(start)
        except ValueError:
            when = None
        if not provider or when is None or when.tzinfo is None:
            raise forms.ValidationError("Choose one of the times shown.")
        return provider, when
