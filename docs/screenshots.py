"""Take the README's screenshots from a running demo: `python docs/screenshots.py [--url URL]`.

Needs the demo running (`make demo`) and Debian's chromium. Signs in as a staff user for the
insights page (created with --staff-user/--staff-password if missing, through manage.py).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from streamflix.chromium import launch  # noqa: E402

OUT = HERE / "screenshots"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--profile", default="Rosa", help="featured viewer to show (default Rosa)")
    parser.add_argument("--staff-user", default="screenshots")
    parser.add_argument("--staff-password", default="screenshots-pw-2026")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    _ensure_staff(args.staff_user, args.staff_password)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(30_000)
        page.goto(f"{args.url}/profiles/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / "picker.png")
        page.get_by_role("button", name=args.profile).click()
        page.wait_for_load_state("networkidle")
        _settle(page)
        page.screenshot(path=OUT / "home.png")
        page.locator("section.row .card").nth(2).click()
        page.get_by_role("dialog").wait_for()
        _settle(page)
        page.screenshot(path=OUT / "modal.png")

        phone = browser.new_page(
            viewport={"width": 390, "height": 844},
            user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
        )
        phone.goto(f"{args.url}/profiles/")
        phone.get_by_role("button", name=args.profile).click()
        phone.wait_for_load_state("networkidle")
        _settle(phone)
        phone.screenshot(path=OUT / "phone.png")

        staff = browser.new_page(viewport={"width": 1280, "height": 1100})
        staff.goto(f"{args.url}/admin/login/?next=/insights/artwork/")
        staff.fill("#id_username", args.staff_user)
        staff.fill("#id_password", args.staff_password)
        staff.click("input[type=submit]")
        staff.wait_for_load_state("networkidle")
        staff.screenshot(path=OUT / "insights.png", full_page=True)
        staff.locator(".insights__titles a").first.click()
        staff.wait_for_load_state("networkidle")
        _settle(staff)
        staff.screenshot(path=OUT / "insights-title.png", full_page=True)
        browser.close()
    print(f"Saved 6 screenshots to {OUT}")


def _settle(page) -> None:
    # Wait for the images on screen only: a lazy image below the fold never loads, so its
    # decode() would never settle. A 10 s cap keeps a slow rendition from hanging the script.
    page.evaluate(
        """() => {
            const onScreen = [...document.images].filter((img) => {
                const box = img.getBoundingClientRect();
                return box.bottom > 0 && box.top < innerHeight && box.width > 0;
            });
            const decoded = Promise.all(onScreen.map((img) => img.decode().catch(() => null)));
            return Promise.race([decoded, new Promise((done) => setTimeout(done, 10000))]);
        }"""
    )
    page.wait_for_timeout(400)


def _ensure_staff(username: str, password: str) -> None:
    script = (
        "from django.contrib.auth.models import User; "
        f"u, _ = User.objects.get_or_create(username={username!r}, defaults={{'is_staff': True}}); "
        f"u.is_staff = True; u.set_password({password!r}); u.save()"
    )
    subprocess.run([sys.executable, str(HERE.parent / "manage.py"), "shell", "-c", script], check=True)


if __name__ == "__main__":
    main()
