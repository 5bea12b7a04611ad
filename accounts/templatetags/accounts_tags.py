from django import template

from accounts.policy import mfa_required_for

register = template.Library()


@register.filter
def must_use_mfa(user) -> bool:
    return mfa_required_for(user)
