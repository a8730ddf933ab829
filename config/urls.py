from django.contrib.auth.views import LoginView
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from lessons.sitemaps import SITEMAPS
from lessons.views import robots_txt
from ops.views import health
from practice.accounts import ThrottledAuthenticationForm
from practice.views import signup

urlpatterns = [
    path("healthz", health, name="health"),
    path("robots.txt", robots_txt, name="robots"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("playground/", include("playground.urls")),
    path("practice/", include("practice.urls")),
    path("exercises/", include("exercises.urls")),
    path("accounts/signup/", signup, name="signup"),
    path(
        "accounts/login/",
        LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("lessons.urls")),
]
