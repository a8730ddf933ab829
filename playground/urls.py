from django.urls import path

from . import views
from .runner import VARIANTS

app_name = "playground"


def run_view_name(demo: str, variant: str) -> str:
    """The URL name of one variant's view (`playground:<name>`), for the panel's data- URLs."""
    return f"run_{demo}_{variant}".replace("-", "_")


urlpatterns = [
    path("", views.index, name="index"),
    path("api/demos", views.demos_api, name="demos"),
    path("api/probe", views.probe_api, name="probe"),
    path("api/streaming/record", views.stream_record_api, name="stream_record"),
    path("api/<str:demo>/source", views.source_api, name="source"),
    path("api/<str:demo>/<str:variant>/load", views.load_api, name="load"),
    # One URL per variant, each a real view: `async def` variants are async views.
    *(
        path(f"api/{demo}/{name}", variant.view, name=run_view_name(demo, name))
        for (demo, name), variant in VARIANTS.items()
    ),
    path("api/<str:demo>/<str:variant>", views.unknown_variant, name="unknown_variant"),
    path("<slug:demo>/", views.demo_page, name="demo"),
]
