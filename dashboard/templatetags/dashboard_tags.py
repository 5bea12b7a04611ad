from django import template

register = template.Library()

# Bootstrap's text-bg-* classes pick a text colour with enough contrast for each background.
_RAG_BADGES = {"red": "text-bg-danger", "amber": "text-bg-warning", "green": "text-bg-success"}
_RAG_BORDERS = {"red": "border-danger", "amber": "border-warning", "green": "border-success"}


@register.filter
def rag_badge(colour: str) -> str:
    return _RAG_BADGES.get(colour, "text-bg-secondary")


@register.filter
def rag_border(colour: str) -> str:
    return _RAG_BORDERS.get(colour, "")


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key, "")


# NHS.UK tag colours for each RAG status; the word is always shown too, so colour is never the only cue.
_RAG_TAGS = {"red": "nhsuk-tag--red", "amber": "nhsuk-tag--yellow", "green": "nhsuk-tag--green"}


@register.filter
def rag_tag(colour: str) -> str:
    return _RAG_TAGS.get(colour, "nhsuk-tag--grey")
