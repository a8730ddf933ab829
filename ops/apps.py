from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from .loop_middleware import teach_the_deploy_checks

        teach_the_deploy_checks()
