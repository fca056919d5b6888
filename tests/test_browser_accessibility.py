"""Accessibility in headless Chromium: axe-core finds no serious or critical violation on any page; the Draw page's
controls are all reached with the Tab key.

axe-core comes from npm at the version pinned in tests/accessibility/package-lock.json (`make test` installs it).
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import FIRST_RUN_TIMEOUT_MS
from tests.support.server import PROJECT_ROOT
from ui.menu import PAGES

pytestmark = pytest.mark.browser

AXE_SCRIPT = PROJECT_ROOT / "tests" / "accessibility" / "node_modules" / "axe-core" / "axe.min.js"
# Every page of app.py's menu but Draw (scanned with a drawing and its closer looks open), by URL path.
OTHER_PAGES = [Path(entry[0]).stem for entry in PAGES[1:]]
# The impacts a violation may not have.
BLOCKING_IMPACTS = ("serious", "critical")
# What axe checks: the WCAG 2.1 A and AA rules and its best practices. No rule or element is left out: every
# serious or critical finding so far was in the app's own markup or theme, and was fixed.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
               "resultTypes": ["violations"]}

# The controls on the Draw page a keyboard must reach (their accessible names, from the focused element).
DRAW_CONTROLS = ["Pen width", "Clear", "Use my drawings", "How it decided", "What if…", "Neighbours and the map",
                 "Upload a picture"]
# The focused element's accessible name, looking inside shadow roots (the canvas controls render in one).
FOCUSED_NAME_JS = """() => {
  let element = document.activeElement;
  while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
  if (!element) return "";
  const labelled = element.getAttribute("aria-labelledby");
  const label = labelled && document.getElementById(labelled.split(" ")[0]);
  const wrapper = element.closest("label, [data-testid='stSlider']");
  return [element.getAttribute("aria-label"), label?.innerText, element.innerText, wrapper?.innerText]
    .filter(Boolean).join(" | ");
}"""


def wait_until_shown(page):
    """Wait until the page's title is up and its script has finished running."""
    expect(page.locator("h1").first).to_be_visible(timeout=FIRST_RUN_TIMEOUT_MS)
    expect(page.locator("[data-test-script-state='running']")).to_have_count(0, timeout=FIRST_RUN_TIMEOUT_MS)


def find_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page: 'rule (impact): element' lines."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    violations = page.evaluate("options => axe.run(document, options).then(result => result.violations)",
                               AXE_OPTIONS)
    return [f"{violation['id']} ({violation['impact']}): {node['html'][:160]}"
            for violation in violations if violation["impact"] in BLOCKING_IMPACTS for node in violation["nodes"]]


def draw_a_stroke(page):
    """A vertical stroke through the Draw page's canvas, answered."""
    box = page.locator("canvas").last.bounding_box()
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + 0.15 * box["height"])
    page.mouse.down()
    page.mouse.move(x, box["y"] + 0.85 * box["height"], steps=8)
    page.mouse.up()
    prediction = page.get_by_test_id("stMetric").filter(has_text="Prediction")
    expect(prediction.get_by_test_id("stMetricValue")).to_have_text("1", timeout=FIRST_RUN_TIMEOUT_MS)


def test_no_page_has_a_serious_or_critical_accessibility_violation(app_server, page):
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `make test`, which installs axe-core with npm.")
    page.goto(app_server)
    wait_until_shown(page)
    draw_a_stroke(page)
    for switch in ("How it decided", "What if…"):  # the closer looks: pictures and their text alternatives
        page.get_by_text(switch, exact=True).click()
    expect(page.get_by_text("The network now reads")).to_be_visible(timeout=FIRST_RUN_TIMEOUT_MS)
    wait_until_shown(page)
    found = {"draw": find_violations(page)}
    for name in OTHER_PAGES:
        page.goto(f"{app_server}/{name}")
        wait_until_shown(page)
        found[name] = find_violations(page)
    assert {name: violations for name, violations in found.items() if violations} == {}


def test_every_draw_page_control_is_reached_with_the_tab_key(app_server, page):
    page.goto(app_server)
    wait_until_shown(page)
    expect(page.get_by_role("button", name="Clear")).to_be_visible()
    page.locator("h1").first.click()  # start from the top of the page, after the sidebar
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(FOCUSED_NAME_JS))
    missing = [control for control in DRAW_CONTROLS if not any(control in name for name in reached)]
    assert missing == [], f"not reached by Tab: {missing}; reached: {reached}"
