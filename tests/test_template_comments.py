"""A Django template comment ({# ... #}) ends on the line it starts; one that runs on is printed on
the page, words meant for developers in front of a practice manager. (Jinja2's may run on.)"""

from pathlib import Path

from django.conf import settings


def test_no_django_template_comment_runs_onto_a_second_line():
    templates = Path(settings.BASE_DIR) / "templates"
    broken = []
    for path in sorted(templates.rglob("*.html")):
        if "jinja2" in path.relative_to(templates).parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            start = line.find("{#")
            if start != -1 and "#}" not in line[start:]:
                broken.append(f"{path.relative_to(templates)}:{number}")
    assert broken == [], "use {% comment %} for comments of more than one line"
