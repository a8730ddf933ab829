"""What a live demo panel's template needs from the registry, in one tag."""

from django import template
from django.conf import settings
from django.urls import reverse

from playground.admission import load_limit
from playground.registry import get_demo
from playground.routers import connection
from playground.runner import url_name

register = template.Library()

# Steps for the number inputs' spinners; the server only checks the bounds.
FLOAT_STEP = "0.05"
LOAD_USERS = 50  # the load form's users, where the variant allows that many


@register.simple_tag
def demo_panel(demo_id: str, values: dict) -> dict:
    """The demo, its parameter inputs (the lesson's values and the bounds) and its variants."""
    demo = get_demo(demo_id)
    vendor = connection.vendor  # the database the demos run on, here
    params = [
        {
            "name": name,
            "value": values.get(name, param.default),
            "min": param.min,
            "max": param.max,
            "step": FLOAT_STEP if param.kind is float else "1",
            "help": param.help,
        }
        for name, param in demo.params.items()
    ]
    shown = demo.parse({p["name"]: p["value"] for p in params})
    variants = [
        {
            "name": name,
            "title": variant.title,
            "blocks_loop": bool(variant.blocks_loop),
            "run_url": reverse(f"playground:{url_name(variant)}"),
            "load_max": load_limit(variant, shown).most_users,
        }
        for name, variant in demo.variants.items()
        if variant.databases is None or vendor in variant.databases
    ]
    return {
        "demo": demo,
        "anchor": f"demo-{demo.id}",
        "params": params,
        "variants": variants,
        # A probe only tells a story where some variant stalls the event loop.
        "probe": any(variant["blocks_loop"] for variant in variants),
        "streams": demo.streams,
        "database_note": demo.database_notes.get(vendor),
        "load_max": settings.PLAYGROUND_LOAD_MAX_CONCURRENCY,
        # The form's defaults always run: the first variant is the one chosen at first.
        "load_default": min(LOAD_USERS, variants[0]["load_max"]),
    }
