from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project's own settings package, installed for its signal receivers."""

    name = "config"
    label = "portal_config"
    verbose_name = "Portal configuration"

    def ready(self) -> None:
        from config import (  # noqa: F401 (connect their receivers)
            auth,
            sessions,
        )
