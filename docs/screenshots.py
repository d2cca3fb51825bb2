"""Take the README's screenshots from a running demo: `python docs/screenshots.py [--url URL]`.

Needs the demo running (`make demo`) and Debian's chromium. Desktop (1440x900) and phone (390x844):
the picker, the homepage with a card's "why" showing, the details modal, the compare page, taste
search, and (signed in as a staff user, created with --staff-user/--staff-password if missing,
through manage.py, with the catalog's permissions) the artwork insights, the first experiment's
results, when there is one, and artwork discovery's contact sheet (a one-minute generated film
uploaded on the first title, unless it already has proposed frames; the demo's worker scores it).
`--only frames.png,home.png` saves just those.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from streamflix.chromium import launch  # noqa: E402

OUT = HERE / "screenshots"
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--profile", default="Rosa", help="featured viewer to show (default Rosa)")
    parser.add_argument("--other", default="Raven", help="the viewer to compare them with (default Raven)")
    parser.add_argument("--staff-user", default="screenshots")
    parser.add_argument("--staff-password", default="screenshots-pw-2026")
    parser.add_argument("--only", default="", help="comma-separated file names to save (default: all)")
    args = parser.parse_args()
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    OUT.mkdir(exist_ok=True)
    _ensure_staff(args.staff_user, args.staff_password)
    shots: list[str] = []

    def shoot(page, name: str, **options) -> None:
        if only and name not in only:
            return
        page.screenshot(path=OUT / name, **options)
        shots.append(name)

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = _page(browser, DESKTOP)
        page.goto(f"{args.url}/profiles/")
        page.wait_for_load_state("networkidle")
        shoot(page, "picker.png")
        ids = {name: _profile_id(page, name) for name in (args.profile, args.other)}
        _pick(page, args.profile)
        card = page.locator("section.row").first.locator(".card").nth(1)
        card.hover()
        page.wait_for_timeout(500)
        shoot(page, "home.png")
        card.click()
        page.get_by_role("dialog").wait_for()
        _settle(page)
        shoot(page, "modal.png")

        page.goto(f"{args.url}/compare/?a={ids[args.profile]}&b={ids[args.other]}")
        _settle(page)
        shoot(page, "compare.png", full_page=True)
        page.goto(f"{args.url}/profiles/all/?q=Horror")
        _settle(page)
        shoot(page, "browse.png")

        phone = _page(browser, PHONE)
        phone.goto(f"{args.url}/profiles/")
        _pick(phone, args.profile)
        shoot(phone, "phone.png")
        phone.locator("section.row .card").nth(1).click()
        phone.get_by_role("dialog").wait_for()
        _settle(phone)
        shoot(phone, "phone-modal.png")
        phone.goto(f"{args.url}/compare/?a={ids[args.profile]}&b={ids[args.other]}")
        _settle(phone)
        shoot(phone, "phone-compare.png")

        staff = _page(browser, {"viewport": {"width": 1280, "height": 1100}})
        staff.goto(f"{args.url}/admin/login/?next=/insights/artwork/")
        staff.fill("#id_username", args.staff_user)
        staff.fill("#id_password", args.staff_password)
        staff.click("input[type=submit]")
        staff.wait_for_load_state("networkidle")
        shoot(staff, "insights.png", full_page=True)
        staff.locator(".insights__titles a").first.click()
        staff.wait_for_load_state("networkidle")
        _settle(staff)
        shoot(staff, "insights-title.png", full_page=True)
        staff.goto(f"{args.url}/insights/experiments/")
        experiment = staff.locator("table.data a[href*='/insights/experiments/']").first
        if experiment.count():
            experiment.click()
            staff.wait_for_load_state("networkidle")
            shoot(staff, "experiment.png", full_page=True)
        _propose_frames(staff, args.url)
        shoot(staff, "frames.png", full_page=True)
        browser.close()
    print(f"Saved {len(shots)} screenshots to {OUT}: {', '.join(shots)}")


def _propose_frames(page, url: str) -> None:
    """The first title's artwork discovery page with a finished contact sheet."""
    page.goto(f"{url}/admin/catalog/title/")
    page.locator("#result_list tbody tr th a").first.click()
    page.goto(page.url.rstrip("/").removesuffix("/change") + "/frames/")
    if not page.locator(".contact-sheet figure").count():
        from catalog.frames.synthetic import film, write_video

        with tempfile.TemporaryDirectory() as folder:
            video = write_video(Path(folder) / "trailer.mp4", film(60, fps=24, seed=7), fps=24, gop=48)
            page.set_input_files("#frame-upload input[type=file]", str(video))
            page.get_by_role("button", name="Upload and score").click()
            page.locator(".contact-sheet figure").first.wait_for(timeout=180_000)  # the worker's turn
    page.locator(".contact-sheet details").first.evaluate("details => { details.open = true; }")  # one "Why"
    _settle(page)


def _page(browser, options: dict):
    page = browser.new_context(**options).new_page()
    page.set_default_timeout(30_000)
    return page


def _profile_id(page, name: str) -> str:
    testid = page.get_by_role("button", name=name).first.get_attribute("data-testid")
    return testid.removeprefix("profile-")


def _pick(page, name: str) -> None:
    page.get_by_role("button", name=name).first.click()
    page.wait_for_selector(".hero")
    page.wait_for_load_state("networkidle")
    _settle(page)


def _settle(page) -> None:
    # Wait for the images on screen only: a lazy image below the fold never loads, so its
    # decode() would never settle. A 10 s cap keeps a slow rendition from hanging the script.
    page.wait_for_load_state("networkidle")
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
        "from django.contrib.auth.models import Permission, User; "
        f"u, _ = User.objects.get_or_create(username={username!r}, defaults={{'is_staff': True}}); "
        f"u.is_staff = True; u.set_password({password!r}); u.save(); "
        "u.user_permissions.add(*Permission.objects.filter(content_type__app_label='catalog'))"
    )
    subprocess.run([sys.executable, str(HERE.parent / "manage.py"), "shell", "-c", script], check=True)


if __name__ == "__main__":
    main()
