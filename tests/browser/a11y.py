"""axe-core inside the browser tests: a page passes when axe finds no serious or critical violation.

axe-core comes with ``axe-playwright-python`` (requirements/test.txt pins both: the package ships
its own ``axe.min.js`` and asks only ``playwright>=1.36``, so our Playwright pin stands). Minor and
moderate findings are not failures here: the bar is the one the project set (issue 15), no
"serious" or "critical", the levels where a person using a screen reader or low vision is stopped.
"""

import pytest

from ..conftest import IN_CI

FAILING_IMPACTS = ("serious", "critical")


def _axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        message = "axe-playwright-python is not installed: pip install -r requirements/test.txt"
        if IN_CI:
            pytest.fail(f"CI=true, so this cannot be skipped: {message}", pytrace=False)
        pytest.skip(message)
    return Axe()


def serious_violations(page):
    """axe's violations of ``page`` as it is now (dialogs open included) that are serious or critical."""
    results = _axe().run(page, options={"resultTypes": ["violations"]})
    return [rule for rule in results.response["violations"] if rule.get("impact") in FAILING_IMPACTS]


def describe(violations, limit=6):
    """One paragraph per rule: id, impact, what it asks, and the first elements that break it."""
    lines = []
    for rule in violations:
        lines.append(f"- {rule['id']} ({rule['impact']}): {rule['help']} — {len(rule['nodes'])} element(s)")
        for node in rule["nodes"][:limit]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary[:300]}")
    return "\n".join(lines)


def assert_no_serious_violations(page, where=""):
    """Fails listing every serious or critical axe violation of ``page``."""
    found = serious_violations(page)
    if found:
        raise AssertionError(f"axe-core: serious/critical violations on {where or page.url}:\n{describe(found)}")
