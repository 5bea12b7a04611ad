"""On a phone the NHS.UK breadcrumb hides its list and shows only a back link, so a page whose
breadcrumb has no back link leaves a phone user with no way up but the browser's Back button."""

from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
WITH_BREADCRUMB = sorted(
    path for path in TEMPLATES.rglob("*.html") if 'class="nhsuk-breadcrumb"' in path.read_text(encoding="utf-8")
)


def test_there_are_breadcrumbs_to_check():
    assert len(WITH_BREADCRUMB) >= 5  # the shared coordinator/_breadcrumb.html among them


@pytest.mark.parametrize("path", WITH_BREADCRUMB, ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_every_breadcrumb_has_a_back_link_for_phones(path):
    text = path.read_text(encoding="utf-8")
    breadcrumb = text[
        text.index('class="nhsuk-breadcrumb"') : text.index("</nav>", text.index('class="nhsuk-breadcrumb"'))
    ]
    assert 'class="nhsuk-back-link"' in breadcrumb
    assert "nhsuk-breadcrumb__item" not in breadcrumb  # not a class of the design system: the list item loses its style
