"""The deliverables list's filter panel can be hidden (static/js/filter-toggle.js, the
MOJ "filter a list" pattern): the results then take the whole width, the button says
how many filters are in use, and the choice outlasts a reload. Without JavaScript the
filters simply show. Every state is checked with axe."""

from playwright.sync_api import expect

from tests.browser.conftest import axe_check, sign_in


def test_an_editor_hides_the_filters_and_the_list_takes_the_width(new_page, workspace):
    page = new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, "erin")
    page.goto("/deliverables/?late=true")
    toggle = page.get_by_role("button", name="Hide filters")
    panel = page.locator("#filters")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(toggle).to_have_attribute("aria-controls", "filters")
    expect(panel).to_be_visible()
    narrow = page.locator("#results").bounding_box()["width"]
    axe_check(page)

    toggle.click()
    expect(panel).to_be_hidden()
    shown = page.get_by_role("button", name="Show filters (1 in use)")
    expect(shown).to_have_attribute("aria-expanded", "false")
    assert page.locator("#results").bounding_box()["width"] > narrow + 200
    expect(page.get_by_role("link", name="Open the new custody suite")).to_be_visible()
    axe_check(page)

    page.reload()
    expect(panel).to_be_hidden()
    page.get_by_role("button", name="Show filters (1 in use)").click()
    expect(panel).to_be_visible()
    expect(page.get_by_role("button", name="Hide filters")).to_be_focused()


def test_on_a_phone_the_filters_start_hidden_above_the_list(new_page, workspace):
    page = new_page(viewport={"width": 320, "height": 640})
    sign_in(page, "erin")
    page.goto("/deliverables/")
    expect(page.locator("#filters")).to_be_hidden()
    page.get_by_role("button", name="Show filters").click()
    filters = page.locator("#filters").bounding_box()
    results = page.locator("#results").bounding_box()
    assert filters["y"] + filters["height"] <= results["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    axe_check(page)


def test_without_javascript_the_filters_show_and_no_button_is_offered(
    new_page, workspace
):
    page = new_page(java_script_enabled=False)
    sign_in(page, "erin")
    page.goto("/deliverables/")
    expect(page.locator("#filters")).to_be_visible()
    expect(page.get_by_role("button", name="Hide filters")).to_have_count(0)
    axe_check(page)
