from django.urls import path

from . import views

app_name = "exercises"

urlpatterns = [
    path("", views.home, name="home"),
    path("api/", views.index, name="index"),
    path("api/status", views.status, name="status"),
    path("api/<slug:slug>", views.detail, name="detail"),
    path("api/<slug:slug>/run", views.run, name="run"),
    path("api/<slug:slug>/solution", views.solution, name="solution"),
    path("<slug:slug>/", views.page, name="page"),
]
