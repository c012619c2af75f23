from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("dispute cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases.receivers import open_case_for_visit
        from veterans.signals import case_requested

        case_requested.connect(open_case_for_visit, dispatch_uid="cases.open_case_for_visit")
