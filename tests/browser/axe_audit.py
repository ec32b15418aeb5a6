"""axe-core run on page states, light and dark, keeping every serious or critical finding.

axe-core comes from axe-playwright-python (pinned in requirements.txt). It is put into the
page with Playwright's evaluate, which the page's Content-Security-Policy does not govern.
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

BLOCKING = {"serious", "critical"}
AXE = Axe()


class Audit:
    """Runs axe on page states and keeps every serious or critical finding."""

    def __init__(self):
        self.findings: list[str] = []
        self.states: list[str] = []

    def check(self, page, state: str) -> None:
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
            page.wait_for_timeout(50)
            results = AXE.run(page)
            for violation in results.response["violations"]:
                if violation["impact"] in BLOCKING:
                    targets = [node["target"] for node in violation["nodes"]][:4]
                    self.findings.append(f"{state} [{scheme}]: {violation['id']} ({violation['impact']}) {targets}")
            self.states.append(f"{state} [{scheme}]")
        page.emulate_media(color_scheme="light")

    def assert_clean(self, expected_states: int) -> None:
        assert self.findings == [], "\n".join(self.findings)
        assert len(self.states) == expected_states * 2, self.states
