"""Submit a Django admin add/change page the way a browser would: start from what the page
rendered (main form, inline management forms, inline rows), then apply the test's changes."""

from __future__ import annotations

from typing import Any

from django.forms import MultiWidget


def _form_fields(form: Any, data: dict[str, Any]) -> None:
    for name in form.fields:
        bound = form[name]
        widget = bound.field.widget
        value = bound.value()
        if bound.field.show_hidden_initial:  # fields with a callable default, e.g. Patient.mrn
            data[bound.html_initial_name] = bound.initial
        if getattr(widget, "input_type", None) == "checkbox":
            if value:
                data[bound.html_name] = "on"
        elif isinstance(widget, MultiWidget):  # e.g. the admin's split date and time
            parts = value if isinstance(value, list) else widget.decompress(value)
            for index, (sub, part) in enumerate(zip(widget.widgets, parts, strict=True)):
                data[f"{bound.html_name}_{index}"] = sub.format_value(part) or ""
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = "" if value is None else value


def page_data(response: Any) -> dict[str, Any]:
    """Return the POST data that re-submits the admin page in `response` unchanged."""
    assert response.status_code == 200, response.status_code
    data: dict[str, Any] = {}
    _form_fields(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _form_fields(formset.management_form, data)
        for form in formset.forms:
            _form_fields(form, data)
    return data


def inline_prefix(response: Any, model: type) -> str:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model is model:
            return str(inline.formset.prefix)
    raise LookupError(model)


def add_inline_row(data: dict[str, Any], prefix: str, **fields: Any) -> None:
    """Append one new row to an inline formset in `data`."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = index + 1
    for name, value in fields.items():
        if value is True:
            value = "on"
        if value is False:
            continue
        data[f"{prefix}-{index}-{name}"] = value
