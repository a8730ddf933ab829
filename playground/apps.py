from django.apps import AppConfig
from django.db.backends.signals import connection_created


class PlaygroundConfig(AppConfig):
    name = "playground"
    verbose_name = "Playground"

    def ready(self) -> None:
        from . import celery_app  # noqa: F401 - makes it the app shared_task sends through
        from .registry import autodiscover
        from .tracing import install_sql_capture

        autodiscover()
        # Every connection gets the SQL recorder; it records only inside a demo run.
        connection_created.connect(install_sql_capture, dispatch_uid="playground-sql-capture")
