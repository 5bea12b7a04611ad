"""The migration page's close-out section, as a tag so the page's view need not know about closing."""

from django import template

from cutover.timeline import local_today

from ..panel import closure_panel, sign_offs_panel

register = template.Library()


@register.inclusion_tag("lifecycle/_panel.html", takes_context=True)
def lifecycle_panel(context, migration):
    panel = closure_panel(migration, context["request"].user, can_edit=context.get("can_edit"))
    return {"migration": migration, **panel}


@register.inclusion_tag("lifecycle/_sign_offs.html", takes_context=True)
def lifecycle_sign_offs(context, migration):
    panel = sign_offs_panel(
        migration, context["request"].user, can_edit=bool(context.get("can_edit")), today=local_today()
    )
    return {"migration": migration, **panel}
