"""config/serializers.py: fields built once per class, each serializer with its own."""

from __future__ import annotations

from rest_framework import serializers

from config.serializers import FieldsBuiltOnceMixin
from veterans.api import VisitSerializer
from veterans.models import Visit


class PlainVisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Visit
        fields = ["id", "channel", "purpose", "summary", "visited_at"]
        read_only_fields = ["id", "visited_at"]


class OnceVisitSerializer(FieldsBuiltOnceMixin, PlainVisitSerializer):
    class Meta(PlainVisitSerializer.Meta):
        pass


def test_the_fields_are_those_drf_builds() -> None:
    plain, once = PlainVisitSerializer().fields, OnceVisitSerializer().fields
    assert list(plain.keys()) == list(once.keys())
    for name in list(plain.keys()):
        assert type(plain[name]) is type(once[name]), name
        assert repr(plain[name]) == repr(once[name]), name


def test_each_serializer_binds_fields_of_its_own() -> None:
    first, second = VisitSerializer(), VisitSerializer()
    for name in list(first.fields.keys()):
        assert first.fields[name] is not second.fields[name], name
        assert first.fields[name].parent is first and second.fields[name].parent is second


def test_the_fields_are_built_once_per_class() -> None:
    OnceVisitSerializer().fields  # noqa: B018 (builds them)
    built = OnceVisitSerializer.__dict__["_fields_built_once"]
    OnceVisitSerializer().fields  # noqa: B018
    assert OnceVisitSerializer.__dict__["_fields_built_once"] is built
    assert "_fields_built_once" not in PlainVisitSerializer.__dict__


def test_a_subclass_builds_its_own_fields() -> None:
    class Narrower(OnceVisitSerializer):
        class Meta(OnceVisitSerializer.Meta):
            fields = ["id", "channel"]

    OnceVisitSerializer().fields  # noqa: B018
    assert list(Narrower().fields.keys()) == ["id", "channel"]
