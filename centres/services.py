"""Writes to regions, centres and staff accounts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from centres import codes
from centres.models import Centre, Region, User
from centres.selectors import centre_counts_changed
from centres.tabular import RowError, row_code

BULK_BATCH = 2000


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    model_year: int | None = None


@dataclass(frozen=True)
class CentreRow:
    region_code: str
    name: str
    address: str = ""
    phone: str = ""


def region_row_parse(values: dict[str, str]) -> RegionRow:
    """One row of an `import_regions` file: `code,name[,model_year]`."""
    code = row_code(values, "code")
    name = values.get("name", "")
    if not name:
        raise RowError(_("the name is empty."))
    if len(name) > 100:
        raise RowError(_("the name is longer than 100 characters."))
    raw_year = values.get("model_year", "")
    model_year = None
    if raw_year:
        if not raw_year.isdigit() or not 1991 <= int(raw_year) <= 2100:
            raise RowError(
                _("model_year “%(value)s” is not a year (1991 or later).") % {"value": raw_year}
            )
        model_year = int(raw_year)
        if codes.level_of(code) not in ("city", "county"):
            raise RowError(_("only a city or a county can be a double-support model city/county."))
    return RegionRow(code=code, name=name, model_year=model_year)


def _parent_of(code: str, existing: set[str]) -> str | None:
    return next((c for c in codes.ancestor_candidates(code) if c in existing), None)


@transaction.atomic
def regions_upsert(*, rows: Iterable[RegionRow]) -> int:
    """Create or update regions, then link every affected region to its parent.

    The parent is the longest existing prefix ancestor. A new region may become
    the parent of regions already stored (a city imported after its counties),
    so the descendants of each new region are relinked too.
    """
    rows = list(rows)
    if not rows:
        return 0
    # A row without a model year leaves a stored one alone: a plain list of
    # codes must not clear the double-support flags (clear them in the admin).
    for with_year in (True, False):
        Region.objects.bulk_create(
            [
                Region(code=r.code, name=r.name, level=codes.level_of(r.code),
                       model_year=r.model_year)
                for r in rows
                if (r.model_year is not None) == with_year
            ],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "model_year"] if with_year else ["name"],
            batch_size=BULK_BATCH,
        )
    regions_relink(region_codes={r.code for r in rows})
    centre_counts_changed()
    return len(rows)


def regions_relink(*, region_codes: set[str]) -> None:
    """Set the parent of the given regions and of everything below them."""
    top_prefixes = sorted({_prefix_root(c) for c in region_codes})
    affected: dict[str, str | None] = {}  # code -> the parent stored now
    existing: set[str] = set()
    for root in top_prefixes:
        # One range per province touched: the ancestors and the descendants.
        rows = Region.objects.within(root).values_list("code", "parent_id")
        for code, parent_id in rows:
            existing.add(code)
            affected[code] = parent_id
    changed = []
    for code, stored in affected.items():
        parent = _parent_of(code, existing)
        if parent != stored:
            changed.append(Region(code=code, parent_id=parent))
    Region.objects.bulk_update(changed, ["parent"], batch_size=BULK_BATCH)


def _prefix_root(code: str) -> str:
    """The province of a code: relinking never crosses provinces."""
    return code[:2].ljust(codes.CODE_LENGTH, "0")


def centre_default_name(region: Region) -> str:
    if region.level in ("township", "village"):
        return f"{region.name}退役军人服务站"
    return f"{region.name}退役军人服务中心"


@transaction.atomic
def centres_upsert(*, rows: Iterable[CentreRow]) -> int:
    """Create or update the centre of each region (one centre per region)."""
    rows = list(rows)
    levels = dict(
        Region.objects.filter(code__in=[r.region_code for r in rows]).values_list("code", "level")
    )
    Centre.objects.bulk_create(
        [
            Centre(
                region_id=r.region_code,
                level=levels[r.region_code],
                name=r.name,
                address=r.address,
                phone=r.phone,
            )
            for r in rows
        ],
        update_conflicts=True,
        unique_fields=["region"],
        update_fields=["name", "address", "phone"],
        batch_size=BULK_BATCH,
    )
    centre_counts_changed()
    return len(rows)


def centre_row_parse(values: dict[str, str], *, known_regions: set[str]) -> CentreRow:
    """One row of an `import_centres` file: `region_code,name[,address,phone]`."""
    code = row_code(values, "region_code")
    if code not in known_regions:
        raise RowError(
            _("region %(code)s does not exist; import it with import_regions first.")
            % {"code": code}
        )
    name = values.get("name", "")
    if not name:
        raise RowError(_("the name is empty."))
    if len(name) > 200:
        raise RowError(_("the name is longer than 200 characters."))
    return CentreRow(
        region_code=code,
        name=name,
        address=values.get("address", "")[:300],
        phone=values.get("phone", "")[:40],
    )


@transaction.atomic
def staff_upsert(
    *, username: str, password: str, role: str, region: Region | None
) -> tuple[User, bool]:
    """Create or update a user with that jurisdiction and role."""
    if role not in User.Role.values:
        raise ValueError(_("role must be staff or official."))
    user, created = User.objects.get_or_create(username=username)
    user.role = role
    user.region = region
    user.is_active = True
    user.set_password(password)
    user.save()
    return user, created


@transaction.atomic
def api_token_create(*, user: User) -> Token:
    """A new token for the user; the previous one stops working."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def centres_ensure(*, region_codes: Iterable[str]) -> int:
    """Give each of these regions a centre with the default name, if it has none."""
    regions = Region.objects.filter(code__in=list(region_codes)).only("code", "name", "level")
    created = Centre.objects.bulk_create(
        [Centre(region=r, level=r.level, name=centre_default_name(r)) for r in regions],
        ignore_conflicts=True,
        batch_size=BULK_BATCH,
    )
    centre_counts_changed()
    return len(created)
