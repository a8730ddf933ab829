"""What a live demo panel's template needs from the registry, in one tag."""

from django import template
from django.conf import settings
from django.urls import reverse

from playground.registry import get_demo
from playground.runner import VARIANTS
from playground.urls import run_view_name

register = template.Library()

# Steps for the number inputs' spinners; the server only checks the bounds.
FLOAT_STEP = "0.05"


@register.simple_tag
def demo_panel(demo_id: str, values: dict) -> dict:
    """The demo, its parameter inputs (the lesson's values and the bounds) and its variants."""
    demo = get_demo(demo_id)
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
    # A variant in the registry but not (yet) written has no view: its run answers 404, which
    # the panel shows; the page itself must still render.
    registered = [VARIANTS.get((demo_id, name)) for name in demo.variants]
    variants = [
        {
            "name": name,
            "title": demo.variant_title(name),
            "blocks_loop": bool(found and found.blocks_loop),
            "run_url": reverse(f"playground:{run_view_name(demo_id, name)}")
            if found
            else reverse("playground:unknown_variant", args=[demo_id, name]),
        }
        for name, found in zip(demo.variants, registered, strict=True)
    ]
    streams = any(found and found.streams for found in registered)
    return {
        "demo": demo,
        "params": params,
        "variants": variants,
        # A probe only tells a story where some variant stalls the event loop.
        "probe": any(variant["blocks_loop"] for variant in variants),
        "streams": streams,
        "load_max": settings.PLAYGROUND_LOAD_MAX_CONCURRENCY,
        "load_default": min(50, settings.PLAYGROUND_LOAD_MAX_CONCURRENCY),
    }
