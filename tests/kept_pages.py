"""Reading a page as its person sees it, for the tests of pages kept as HTML (tasks/plan_cache.py,
coordinator/page_cache.py)."""

import re

from django.core.cache import caches

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def page_content(client, url) -> str:
    """The page's main content, with the CSRF tokens (masked anew on every view) set aside."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    return TOKEN.sub('name="csrfmiddlewaretoken" value="…"', html[html.index('id="maincontent"') :])


def built_afresh(client, url) -> str:
    caches["plans"].clear()
    return page_content(client, url)


def assert_the_change_shows(client, url, change) -> None:
    """View the page twice (the second finds it kept), make the change, and view it again: it must
    show the change, exactly as a page built with nothing kept does."""
    before = page_content(client, url)
    assert page_content(client, url) == before, "an unchanged page is shown as it was"

    change()

    after = page_content(client, url)
    assert after != before, "the change shows on the page"
    assert after == built_afresh(client, url)
