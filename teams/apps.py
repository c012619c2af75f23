from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = _("social forces")
    default_auto_field = "django.db.models.BigAutoField"
