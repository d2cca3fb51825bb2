"""Debian's chromium for the browser tests and the screenshots, started the one way that works here.

Without the background-networking flags chromium tries (and fails) to reach Google at every start on
a closed network; as root it needs --no-sandbox. Playwright drives it (`playwright install` is never
needed: it would download a browser of its own).
"""

from __future__ import annotations

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch(playwright):
    """A headless chromium browser from a `sync_playwright()` context."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
