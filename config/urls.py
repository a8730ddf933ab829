from django.urls import include, path

from ops.views import health
from practice.views import signup

urlpatterns = [
    path("healthz", health, name="health"),
    path("playground/", include("playground.urls")),
    path("practice/", include("practice.urls")),
    path("exercises/", include("exercises.urls")),
    path("accounts/signup/", signup, name="signup"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("lessons.urls")),
]
