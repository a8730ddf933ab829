from django.urls import path

from . import views
from .demos.realtime import events_view
from .registry import DEMOS
from .runner import url_name, view_for

app_name = "playground"


urlpatterns = [
    path("", views.index, name="index"),
    path("api/demos", views.demos_api, name="demos"),
    path("api/probe", views.probe_api, name="probe"),
    path("api/streaming/record", views.stream_record_api, name="stream_record"),
    path("realtime/events", events_view, name="realtime_events"),
    path("api/<str:demo>/source", views.source_api, name="source"),
    path("api/<str:demo>/<str:variant>/load", views.load_api, name="load"),
    path("api/<str:demo>/<str:variant>/load/limit", views.load_limit_api, name="load_limit"),
    # One URL per variant, each a real view: `async def` variants are async views.
    *(
        path(f"api/{demo.id}/{variant.name}", view_for(variant), name=url_name(variant))
        for demo in DEMOS.values()
        for variant in demo.variants.values()
    ),
    path("api/<str:demo>/<str:variant>", views.unknown_variant, name="unknown_variant"),
    path("<slug:demo>/", views.demo_page, name="demo"),
]
