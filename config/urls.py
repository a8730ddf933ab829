from django.urls import include, path

urlpatterns = [
    path("playground/", include("playground.urls")),
    path("", include("lessons.urls")),
]
