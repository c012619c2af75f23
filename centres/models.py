"""Regions, service centres and the staff who work in them.

A region's primary key is its 12-digit code, so every foreign key to a region
holds the code itself: scoping any table to a subtree is a range on its own
indexed column, with no join and no recursion.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from centres import codes


class Level(models.TextChoices):
    PROVINCE = "province", _("province")
    CITY = "city", _("city")
    COUNTY = "county", _("county")
    TOWNSHIP = "township", _("township")
    VILLAGE = "village", _("village")


def within_q(code: str, field: str = "region") -> Q:
    """Rows whose `field` (a region code) lies in the subtree of `code`."""
    low, high = codes.code_range(code)
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


def digits_q(digits: str, field: str) -> Q:
    """Rows whose `field` (a region code) starts with the digits typed in a search box."""
    low, high = codes.digits_range(digits[: codes.CODE_LENGTH])
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


def search_q(text: str, *, code_field: str, name_fields: tuple[str, ...]) -> Q:
    """What a search box means: digits are the start of a region code, other text part of a name."""
    text = text.strip()
    if text.isdigit():
        return digits_q(text, code_field)
    found = Q()
    for field in name_fields:
        found |= Q(**{f"{field}__icontains": text})
    return found


def centre_search_q(text: str) -> Q:
    """Centres whose region code starts with the typed digits, or whose (region) name matches."""
    return search_q(text, code_field="region", name_fields=("name", "region__name"))


def jurisdiction_q(user: User, field: str = "region") -> Q:
    """The one scoping rule: rows whose region lies in the user's jurisdiction.

    A user without a region is nationwide. Anyone not signed in sees nothing.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if user.region_id is None:
        return Q()
    return within_q(user.region_id, field)


class RegionQuerySet(models.QuerySet["Region"]):
    def within(self, region: Region | str) -> RegionQuerySet:
        """The whole subtree of a region (itself included), in one range scan."""
        code = region if isinstance(region, str) else region.code
        return self.filter(within_q(code, "code"))

    def visible_to(self, user: User) -> RegionQuerySet:
        return self.filter(jurisdiction_q(user, "code"))


class Region(models.Model):
    code = models.CharField(_("division code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    model_year = models.PositiveSmallIntegerField(
        _("double-support model city/county, year named"), null=True, blank=True
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative region")
        verbose_name_plural = _("administrative regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{12}$"), name="region_code_12_digits"
            ),
            models.CheckConstraint(
                condition=Q(level__in=Level.values), name="region_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{codes.short_code(self.code)}）"

    @property
    def prefix(self) -> str:
        return codes.prefix_of(self.code)

    @property
    def short_code(self) -> str:
        return codes.short_code(self.code)

    def contains(self, code: str) -> bool:
        return codes.is_within(code, self.code)


class CentreQuerySet(models.QuerySet["Centre"]):
    def within(self, region: Region | str) -> CentreQuerySet:
        code = region if isinstance(region, str) else region.code
        return self.filter(within_q(code, "region"))

    def visible_to(self, user: User) -> CentreQuerySet:
        return self.filter(jurisdiction_q(user, "region"))


class Centre(models.Model):
    """The service centre (中心) or station (站) of one region."""

    region = models.OneToOneField(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="centre"
    )
    # Copied from the region when the centre is created: codes never change
    # level, and counting centres by level must not join the region table.
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    objects = CentreQuerySet.as_manager()

    class Meta:
        verbose_name = _("veterans' service centre")
        verbose_name_plural = _("veterans' service centres")
        ordering = ["region"]
        constraints = [
            models.CheckConstraint(condition=Q(level__in=Level.values), name="centre_level_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_station(self) -> bool:
        """Township and village centres are stations (服务站)."""
        return self.level in (Level.TOWNSHIP, Level.VILLAGE)

    @property
    def kind_label(self) -> str:
        return str(_("service station") if self.is_station else _("service centre"))


class UserRole(models.TextChoices):
    STAFF = "staff", _("staff")
    OFFICIAL = "official", _("official")


class User(AbstractUser):
    """A portal user: one jurisdiction (a region, or none for nationwide) and a role."""

    Role = UserRole

    region = models.ForeignKey(
        Region,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Leave empty for a nationwide jurisdiction."),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=UserRole.values), name="user_role_valid"
            ),
        ]

    @property
    def is_official(self) -> bool:
        return self.role == self.Role.OFFICIAL

    @property
    def is_staff_member(self) -> bool:
        return self.role == self.Role.STAFF

    def may_see(self, code: str) -> bool:
        """Whether a region code lies in this user's jurisdiction: `jurisdiction_q` in Python.

        The one answer to "is this code inside the user's area"; for a row already loaded
        through `visible_to`, or a code the user named, it needs no query.
        """
        if not self.is_authenticated or not self.is_active:
            return False
        return self.region_id is None or codes.is_within(code, self.region_id)

    def may_act_at(self, code: str) -> bool:
        """Whether this user may write at a region code: staff (not officials) of its area."""
        return self.is_staff_member and self.may_see(code)

    @property
    def jurisdiction_name(self) -> str:
        return self.region.name if self.region is not None else str(_("nationwide"))
