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
