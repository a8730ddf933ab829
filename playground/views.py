from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_safe

from .demo_loop import on_demo_loop
from .demos.streaming import RUN_ID, record_key
from .gate import guarded
from .limits import DemoRefused, answers_refusals
from .load import load_limit, run_load
from .registry import DEMOS, get_variant
from .source import variant_source


@require_safe
def demos_api(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"demos": [demo.as_json() for demo in DEMOS.values()]})


@require_safe
def unknown_variant(request: HttpRequest, demo: str, variant: str) -> JsonResponse:
    return JsonResponse({"error": _unknown(demo, variant)}, status=404)


@require_safe
def source_api(request: HttpRequest, demo: str) -> JsonResponse:
    if demo not in DEMOS:
        return JsonResponse({"error": f"unknown demo {demo!r}"}, status=404)
    variants = {
        name: {"title": variant.title, **variant_source(variant)}
        for name, variant in DEMOS[demo].variants.items()
    }
    return JsonResponse({"demo": demo, "variants": variants})


@guarded
@require_GET
@answers_refusals
async def load_api(request: HttpRequest, demo: str, variant: str) -> JsonResponse:
    found = get_variant(demo, variant)
    if found is None:
        raise DemoRefused(404, _unknown(demo, variant))
    return await run_load(request, found)


@require_safe
@answers_refusals
def load_limit_api(request: HttpRequest, demo: str, variant: str) -> JsonResponse:
    found = get_variant(demo, variant)
    if found is None:
        raise DemoRefused(404, _unknown(demo, variant))
    return load_limit(request, found)


@on_demo_loop
@require_GET
async def probe_api(request: HttpRequest) -> JsonResponse:
    """Answers at once, unless something is blocking the event loop the demos run on."""
    return JsonResponse({"ok": True}, headers={"Cache-Control": "no-store"})


@require_GET
async def stream_record_api(request: HttpRequest) -> JsonResponse:
    run = request.GET.get("run", "")
    if not RUN_ID.fullmatch(run):
        return JsonResponse({"error": "run must be 8 to 40 letters, digits or hyphens"}, status=400)
    record = await cache.aget(record_key(run))
    if record is None:
        return JsonResponse(
            {"error": f"no stream with run id {run!r} (kept 10 minutes)"}, status=404
        )
    return JsonResponse({"run": run, **record}, headers={"Cache-Control": "no-store"})


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "playground/index.html", {"demos": DEMOS.values()})


@require_safe
def demo_page(request: HttpRequest, demo: str) -> HttpResponse:
    if demo not in DEMOS:
        raise Http404("No such demo.")
    spec = DEMOS[demo]
    block = {"demo_id": demo, "params": {name: p.default for name, p in spec.params.items()}}
    # Inside a {% block %} the name "block" means the template block itself, so the page's
    # template reaches the panel's block under another name.
    context = {"demo": spec, "block": block, "demo_block": block}
    return render(request, "playground/demo.html", context)


def _unknown(demo: str, variant: str) -> str:
    if demo not in DEMOS:
        return f"unknown demo {demo!r}"
    names = ", ".join(DEMOS[demo].variants)
    return f"demo {demo!r} has no variant {variant!r} (variants: {names})"
