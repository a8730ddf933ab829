from django.urls import path

from . import views

app_name = "practice"

urlpatterns = [
    path("", views.home, name="home"),
    path("mock/", views.mock_start, name="mock_start"),
    path("mock/<str:mock_id>/", views.mock_interview, name="mock"),
    path("export.json", views.export, name="export"),
    path("import/", views.import_progress, name="import"),
    path("api/review", views.api_review, name="api_review"),
    path("api/read", views.api_read, name="api_read"),
    path("api/demo-run", views.api_demo_run, name="api_demo_run"),
    path("api/prediction", views.api_prediction, name="api_prediction"),
    path("<slug:slug>/", views.question, name="question"),
]
