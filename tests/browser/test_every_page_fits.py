"""Every page a person can reach from their home fits a phone and a desktop screen and passes axe.

Each role starts at its home on the demo data and follows the links on every page it reaches (one
page of each kind: /migrations/3/ and /migrations/7/ are the same page). At 1366x900 and at 390x844
the document must be no wider than the window and axe must find nothing against WCAG 2.2 A/AA.
Screenshots of each page at both sizes go to `screenshots/<role>/` (ignored by git) for a reviewer.
"""

import re
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest
from django.core.management import call_command

from practices.models import User

from ..factories import enable_totp

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-demo-password-for-the-crawl"
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"

# Not pages: signing out, files to download, the API and its docs, the Django admin (its own design,
# for superusers only), calendar feeds and anything that leaves the site.
SKIP = re.compile(
    r"/accounts/logout/|/admin/|/api/|/feeds?/|\.(csv|xlsx|ics|pdf)$|/(export|download)|format=(csv|xlsx)"
)


def shape(path: str) -> str:
    """One page kind per shape: numbers and tokens in a path are the same page with other data."""
    return re.sub(r"/[0-9]+/|/[A-Za-z0-9_-]{20,}/", "/N/", path)


def page_fits_and_passes_axe(page, assert_accessible, role: str, name: str) -> None:
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_load_state("load")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        folder = SCREENSHOTS / role
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}-{size}.png"), full_page=True)
        assert overflow <= 0, f"{page.url} is {overflow}px wider than a {width}px window ({size})"
        assert_accessible(page)


@pytest.fixture
def demo_people(db):
    call_command("seed_demo", password=PASSWORD, force=True, verbosity=0)
    for user in User.objects.filter(email__endswith="@example.org"):
        enable_totp(user)
    return {role: f"{role}@example.org" for role in ("manager", "staff", "itlead", "icb", "partner")}


@pytest.mark.parametrize("role", ["manager", "staff", "itlead", "icb", "partner"])
def test_every_page_reachable_from_a_roles_home_fits_both_screens_and_passes_axe(
    role, page, live_server, sign_in, assert_accessible, demo_people
):
    sign_in(page, demo_people[role], PASSWORD)
    origin = urlparse(live_server.url).netloc
    queue, seen, visited = [page.url], set(), []
    while queue:
        url = urldefrag(queue.pop(0)).url
        parsed = urlparse(url)
        kind = shape(parsed.path)
        if parsed.netloc != origin or kind in seen or SKIP.search(url):
            continue
        seen.add(kind)
        response = page.goto(url)
        assert response.status < 400, f"{url} answered {response.status} to {role}, linked from a page they can see"
        visited.append(parsed.path)
        name = kind.strip("/").replace("/", "_") or "home"
        page_fits_and_passes_axe(page, assert_accessible, role, name)
        queue.extend(page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"))
    assert len(visited) >= 5, f"{role} reached only {visited}"
