"""Reads that users see: always through the user's jurisdiction."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils.translation import gettext as _

from centres import codes
from centres.models import Centre, Level, Region, User, centre_search_q


def region_get_for_user(*, user: User, code: str) -> Region:
    """The region, if it lies in the user's jurisdiction; 404 otherwise.

    Missing, malformed and forbidden codes answer alike.
    """
    try:
        normalized = codes.normalize_code(code)
    except codes.InvalidCode as exc:
        raise Http404 from exc
    region = Region.objects.visible_to(user).filter(code=normalized).first()
    if region is None:
        raise Http404
    return region


def centre_get_for_user(*, user: User, code: str) -> Centre:
    """The centre of a region in the user's jurisdiction; 404 otherwise."""
    region = region_get_for_user(user=user, code=code)
    centre = Centre.objects.filter(region=region).select_related("region").first()
    if centre is None:
        raise Http404
    return centre


def user_root_region(user: User) -> Region | None:
    """The top of what the user sees: their jurisdiction, or None for the nation."""
    if user.region_id is None:
        return None
    return Region.objects.get(code=user.region_id)


def region_ancestors(region: Region, *, below: Region | None) -> list[Region]:
    """The chain from just under `below` (the user's root) down to `region`'s parent."""
    candidates = codes.ancestor_candidates(region.code)
    if below is not None:
        candidates = [c for c in candidates if c != below.code and below.contains(c)]
    found = {r.code: r for r in Region.objects.filter(code__in=candidates)}
    return [found[c] for c in reversed(candidates) if c in found]


@dataclass
class ChildRow:
    region: Region
    centres_by_level: dict[str, int] = field(default_factory=dict)

    @property
    def centres_total(self) -> int:
        return sum(self.centres_by_level.values())


def region_children(*, region: Region | None) -> list[Region]:
    """The regions directly below a region, or the provinces for the nation."""
    children = (
        Region.objects.filter(parent=region)
        if region is not None
        else Region.objects.filter(parent__isnull=True)
    )
    return list(children.order_by("code"))


class ChildKeys:
    """Which child's subtree holds a code, for grouping rows by child in one query.

    Group the rows by the first `width` digits of their region code, then ask
    `child_of(key)`. Children may have prefixes of different lengths (a
    province's cities have 4 digits, its directly administered counties 6).
    """

    def __init__(self, children: list[Region]) -> None:
        self.by_prefix = {child.prefix: child for child in children}
        self.lengths = sorted({len(p) for p in self.by_prefix}, reverse=True)
        self.width = self.lengths[0] if self.lengths else codes.CODE_LENGTH

    def child_of(self, key: str) -> Region | None:
        for length in self.lengths:
            child = self.by_prefix.get(key[:length])
            if child is not None:
                return child
        return None


# Counting the centres of a large subtree reads every centre in it (the nation: all
# 649,000), while centres change a few times a year: the counts are cached under a
# version that every change of the centres replaces.
CENTRE_COUNTS_VERSION = "centres:counts-version"
CENTRE_COUNTS_SECONDS = 60 * 60  # a safety net: a missed invalidation lasts an hour
Counted = TypeVar("Counted")


def centre_counts_changed() -> None:
    """Centres were added, removed or moved: the cached counts go once this commits."""
    transaction.on_commit(lambda: cache.delete(CENTRE_COUNTS_VERSION))


def _centre_counts_cached(name: str, region: Region | None,
                          compute: Callable[[], Counted]) -> Counted:
    version = cache.get(CENTRE_COUNTS_VERSION)
    if version is None:
        cache.add(CENTRE_COUNTS_VERSION, uuid.uuid4().hex, None)
        version = cache.get(CENTRE_COUNTS_VERSION)
    if version is None:  # no cache reachable: count every time
        return compute()
    key = f"centres:{name}:{version}:{region.code if region else codes.NATION}"
    counted: Counted | None = cache.get(key)
    if counted is None:
        counted = compute()
        cache.set(key, counted, CENTRE_COUNTS_SECONDS)
    return counted


def region_children_with_counts(*, region: Region | None) -> list[ChildRow]:
    """The children of a region (or the provinces), each with its centres by level.

    Two queries whatever the size of the subtree (the children, and one grouped
    count of the centres below, keyed by the longest child prefix), cached until
    the centres change.
    """
    return _centre_counts_cached(
        "children", region, lambda: _region_children_with_counts(region=region)
    )


def _region_children_with_counts(*, region: Region | None) -> list[ChildRow]:
    children = region_children(region=region)
    if not children:
        return []
    keys = ChildKeys(children)
    rows = {child.code: ChildRow(region=child) for child in children}
    centres = Centre.objects.all() if region is None else Centre.objects.within(region)
    grouped = (
        centres.annotate(key=Substr("region_id", 1, keys.width))
        .values("key", "level")
        .annotate(n=Count("id"))
        .order_by()
    )
    for group in grouped:
        child = keys.child_of(group["key"])
        if child is not None:
            by_level = rows[child.code].centres_by_level
            by_level[group["level"]] = by_level.get(group["level"], 0) + group["n"]
    return list(rows.values())


def centre_counts_by_level(*, region: Region | None) -> list[tuple[str, int]]:
    """(level label, count) of the centres in the subtree, from the region's level down."""
    counts: dict[str, int] = _centre_counts_cached(
        "by-level", region, lambda: _centre_counts(region)
    )
    levels = list(Level)
    if region is not None:
        levels = levels[levels.index(Level(region.level)) :]
    return [(str(level.label), counts.get(level.value, 0)) for level in levels]


def _centre_counts(region: Region | None) -> dict[str, int]:
    centres = Centre.objects.all() if region is None else Centre.objects.within(region)
    return dict(centres.values_list("level").annotate(n=Count("id")).order_by())


def centre_search(*, user: User, query: str, limit: int = 50) -> QuerySet[Centre]:
    """Centres in the user's jurisdiction whose name or code matches."""
    centres = Centre.objects.visible_to(user).select_related("region")
    query = query.strip()
    return centres.filter(centre_search_q(query))[:limit]


def centre_paths(centres: Iterable[Centre]) -> dict[str, str]:
    """Each centre's name after its parent place (东山镇 › 青石村退役军人服务站), by region."""
    names = {c.region_id: c.name for c in centres}
    return region_paths(names, own_names=names)


# --- places by name: the parent path (镇 › 村) and names typed where codes were --------

PATH_SEPARATOR = " › "
# What people type between a parent and a place: ›, >, /, the full-width forms, or a space.
_TYPED_SEPARATORS = re.compile(r"\s*(?:›|>|＞|/|／|\\)\s*|\s+")


def region_paths(
    region_codes: Iterable[str], *, own_names: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Each region's name after its parent's (东山镇 › 青石村), in one query.

    Same-name places (four 青石村 in a county) are told apart by the parent.
    `own_names` names the last step otherwise (a centre's name for its region).
    """
    wanted = set(region_codes)
    parents = {code: codes.ancestor_candidates(code) for code in wanted}
    needed = wanted | {c for chain in parents.values() for c in chain}
    names = dict(Region.objects.filter(code__in=needed).values_list("code", "name"))
    paths = {}
    for code in wanted:
        parent = next((c for c in parents[code] if c in names), None)
        own = (own_names or {}).get(code) or names.get(code, code)
        paths[code] = f"{names[parent]}{PATH_SEPARATOR}{own}" if parent else own
    return paths


class RegionNotFound(ValueError):
    """A typed place that names no region, or several: the message says which, for the user."""


def region_resolve(*, user: User, text: str, levels: Iterable[str] | None = None) -> Region:
    """The region a person means by a code, a name (枫桥镇) or a path (东山镇 › 青石村).

    Only regions in the user's jurisdiction count; a name that fits several of
    them is refused with their paths, so the person can say which one.
    """
    text = (text or "").strip()
    regions = Region.objects.visible_to(user)
    if levels is not None:
        regions = regions.filter(level__in=list(levels))
    if text.isascii() and text.isdigit():
        code = codes.normalize_code(text)  # InvalidCode is a ValueError with a message
        found = regions.filter(code=code).first()
        if found is None:
            raise RegionNotFound(
                _("There is no place with the code %(code)s in your area.") % {"code": text}
            )
        return found
    parts = [p for p in _TYPED_SEPARATORS.split(text) if p]
    if not parts:
        raise RegionNotFound(_("Type a place name or a region code."))
    matches = list(regions.filter(name=parts[-1]).select_related("parent")[:50])
    if not matches:  # 枫桥 for 枫桥镇, 青石村 for 青石村（演示）
        matches = list(regions.filter(name__startswith=parts[-1]).select_related("parent")[:50])
    if len(parts) > 1:
        matches = [
            r for r in matches
            if r.parent is not None and r.parent.name.startswith(parts[-2])
        ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise RegionNotFound(
            _("No place called “%(name)s” in your area.") % {"name": text}
        )
    paths = region_paths(r.code for r in matches[:10])
    raise RegionNotFound(
        _("“%(name)s” names %(count)d places in your area: %(choices)s. "
          "Say which one: parent › name, or the code.")
        % {
            "name": text,
            "count": len(matches),
            "choices": "; ".join(
                f"{paths[r.code]} ({r.short_code})" for r in matches[:10]
            ),
        }
    )
