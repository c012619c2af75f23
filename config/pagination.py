from typing import Any

from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    """Pages of 50 by default; a client may ask for 1 to 500 with `page_size`.

    A malformed `page` or `page_size` (`?page_size=true`, `0`, `501`) is refused (400,
    naming it) rather than replaced by the default; a page past the end is 404.
    """

    page_size_query_param = "page_size"
    max_page_size = 500

    def _whole_number(self, request: Any, name: str, most: int | None) -> int | None:
        raw = request.query_params.get(name)
        if raw is None:
            return None
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= (most or int(raw)):
            message = (
                _("A whole number from 1 to %(most)d.") % {"most": most} if most
                else _("A whole number from 1.")
            )
            raise ValidationError({name: [message]})
        return int(raw)

    def get_page_size(self, request: Any) -> int | None:
        asked = self._whole_number(request, self.page_size_query_param, self.max_page_size)
        return asked or self.page_size

    def get_page_number(self, request: Any, paginator: Any) -> Any:
        if request.query_params.get(self.page_query_param) in self.last_page_strings:
            return super().get_page_number(request, paginator)
        return self._whole_number(request, self.page_query_param, None) or 1

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
