"""Staff puts a notice above the portal's sign-in form through the live settings; HTML outside
the allow-list is refused with a reason, and the last good banner stays up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .journey import admin_sign_in

BANNER = '<p><strong>Closed Monday, January 19</strong> for the holiday. Call <a href="tel:+16175550100">617-555-0100</a> for urgent care.</p>'


@pytest.mark.browser
def test_it_shows_the_staff_banner_and_refuses_a_script(
    new_page: Any, staff: Any, staff_password: str, shots_dir: Path
) -> None:
    visitor = new_page()
    dialogs: list[str] = []
    visitor.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    visitor.goto("/accounts/login/")
    expect(visitor.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(visitor.get_by_role("note")).to_have_count(0)

    desk = new_page()
    admin_sign_in(desk, email=staff.email, password=staff_password)
    desk.get_by_role("link", name="Live settings").click()
    expect(desk).to_have_url(f"{desk.url.split('/admin/')[0]}/admin/constance/config/")
    banner_field = desk.locator("textarea[name=PATIENT_APP_BANNER]")
    banner_field.fill(BANNER)
    desk.get_by_role("button", name="Save").click()
    expect(desk.locator(".messagelist")).to_contain_text("Live settings updated successfully")
    expect(banner_field).to_have_value(BANNER)

    visitor.reload()
    banner = visitor.get_by_role("note")
    expect(banner.locator("strong")).to_have_text("Closed Monday, January 19")
    expect(banner.get_by_role("link", name="617-555-0100")).to_have_attribute("href", "tel:+16175550100")
    box, form = banner.bounding_box(), visitor.get_by_role("heading", name="Sign in").bounding_box()
    assert box and form and box["y"] < form["y"], "the banner sits above the sign-in form"
    visitor.screenshot(path=str(shots_dir / "login-banner.png"), full_page=True)

    # A script is refused with a reason; the saved banner is untouched.
    banner_field.fill("<script>alert(1)</script>")
    desk.get_by_role("button", name="Save").click()
    expect(desk.locator("#id_PATIENT_APP_BANNER_error")).to_contain_text("The banner contains <script>")
    expect(desk.locator(".messagelist")).to_contain_text("Failed to update live settings")
    desk.screenshot(path=str(shots_dir / "banner-refused-admin.png"), full_page=True)
    visitor.reload()
    expect(visitor.get_by_role("note").locator("strong")).to_have_text("Closed Monday, January 19")
    expect(visitor.locator("main script")).to_have_count(0)
    assert dialogs == []
