"""Serializer helpers shared by the rooms' APIs."""

from __future__ import annotations

import copy
from typing import Any


class FieldsBuiltOnceMixin:
    """A ModelSerializer whose fields are built once per class, then copied.

    DRF builds a ModelSerializer's fields from the model's metadata every time a
    serializer is made, twice per POST (the input and the answer). Copying fields
    already built costs a fraction of that: the copy is what DRF itself does with
    declared fields, so each serializer still gets fields of its own to bind.

    Only for serializers whose `get_fields()` depends on the class alone, never on
    the request, the context or the instance.
    """

    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        built: dict[str, Any] | None = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._fields_built_once = built  # type: ignore[attr-defined]
        return copy.deepcopy(built)
