from django import template

register = template.Library()


@register.filter
def days_from(key_date, today):
    return key_date.days_from(today)


@register.filter
def absolute(value: int) -> int:
    return abs(value)
