from django.urls import path

from . import views

app_name = "lessons"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search_view, name="search"),
    path("tracks/<slug:track>/", views.track_detail, name="track"),
    path("lessons/<slug:slug>/", views.lesson_detail, name="lesson"),
    path("lessons/<slug:slug>/yours", views.lesson_yours, name="yours"),
]
