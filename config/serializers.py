"""Serializer helpers shared by the rooms' APIs."""

from __future__ import annotations

import copy
from typing import Any


class FieldsBuiltOnceMixin:
    """A serializer whose fields are built once per class, then copied shallowly.

    DRF builds a ModelSerializer's fields from the model's metadata every time a
    serializer is made, and deep-copies declared fields (a deep copy of a field
    calls its `__init__` again). On the visit POST, the hottest path, both cost
    more than the rest of the validation. A shallow copy is enough: a field's
    state of its own is set on the copy by `bind()` (name, parent, source) and by
    the first validation (its validators); what the copies share (choices, error
    messages, a queryset, which DRF clones before using) is only read.

    Only for serializers whose `get_fields()` depends on the class alone, never on
    the request, the context or the instance, and whose fields are not serializers.
    """

    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        built: dict[str, Any] | None = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._fields_built_once = built  # type: ignore[attr-defined]
        return {name: copy.copy(field) for name, field in built.items()}
