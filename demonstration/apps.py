from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemonstrationConfig(AppConfig):
    name = "demonstration"
    verbose_name = _("Demonstration centres")

    def ready(self) -> None:
        from demonstration import hooks

        hooks.register()
