from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key: str):
    """`{{ lesson.sections|get_item:"Short answer" }}`: a dict key with a space in it."""
    return mapping.get(key, "")
