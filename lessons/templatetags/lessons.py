from django import template

register = template.Library()


@register.filter
def lookup(mapping, key: str):
    """`{{ progress_badges|lookup:lesson.slug }}`: a mapping's value by a variable or spaced
    key; empty when the mapping is missing or has no such key."""
    if not mapping:
        return ""
    try:
        return mapping[key]
    except (KeyError, TypeError):
        return ""
