"""The synthetic national region tree and its centres, for `generate_national`.

The real province, city and county tree (GB/T 2260, `centres.gbt2260`) is kept
whole. Under every county, and under the cities that have no counties (东莞,
中山, 儋州, 嘉峪关), synthetic townships and villages are generated in
realistic numbers: about 14 townships per county and 15 villages per township,
so about 40,000 townships and 600,000 villages at scale 1.0, and `scale` times
as many townships (the villages per township do not shrink) below that. Their
names end in （模拟） so that nobody mistakes them for real places.

Rows come out in code order, and the centre of the i-th region (in code order)
gets id i + 1, so later generators can name a centre by position without
reading it back. Everything is a pure function of the seed.
"""

from __future__ import annotations

import random
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from centres import codes
from centres.gbt2260 import national_rows
from centres.models import Centre, Region
from config.bulkload import LoadStats, ProgressHook, insert_select, load_rows

SYNTHETIC_MARK = "（模拟）"
TOWNSHIPS_PER_HOST = (4, 24)  # mean 14: x 2,847 hosts = about 40,000 townships
VILLAGES_PER_TOWNSHIP = (5, 25)  # mean 15: about 600,000 villages
MODEL_REGION_SHARE = 0.10  # of cities and counties: national double-support models
MODEL_YEARS = (2017, 2021, 2025)
SYLLABLES = "东西南北中青白新长和平安兴福寿永宁康乐河山桥湖塘岭石林溪源泉田丰华云阳明光"

REGION_COLUMNS = ["code", "name", "level", "parent_id", "model_year"]
RegionTuple = tuple[str, str, str, str | None, int | None]


@dataclass
class HostSpan:
    """A county (or a city without counties) and its villages' slots in the tree."""

    code: str
    first_village: int
    end_village: int


@dataclass
class RegionTree:
    """What later generators need of the tree, kept compact (about 60 MB at scale 1.0).

    `codes` lists every region in code order; village `i` is `codes[village_index[i]]`,
    its township `codes[village_township[i]]`, its county `codes[village_host[i]]`.
    """

    codes: list[str] = field(default_factory=list)
    village_index: array[int] = field(default_factory=lambda: array("i"))
    village_township: array[int] = field(default_factory=lambda: array("i"))
    village_host: array[int] = field(default_factory=lambda: array("i"))
    hosts: list[HostSpan] = field(default_factory=list)
    levels: Counter[str] = field(default_factory=Counter)
    hosts_in_country: int = 0

    @staticmethod
    def centre_id(index: int) -> int:
        return index + 1

    @property
    def villages(self) -> int:
        return len(self.village_index)

    @property
    def share_of_country(self) -> float:
        """The share of the country's counties kept (1.0 unless limited for tests)."""
        return len(self.hosts) / self.hosts_in_country if self.hosts_in_country else 0.0


def _scaled(count: int, scale: float, rng: random.Random) -> int:
    """`count x scale`, rounded up or down at random so that totals keep their mean."""
    exact = count * scale
    whole = int(exact)
    return whole + (1 if rng.random() < exact - whole else 0)


def _synthetic_name(rng: random.Random, suffix: str) -> str:
    return f"{rng.choice(SYLLABLES)}{rng.choice(SYLLABLES)}{suffix}{SYNTHETIC_MARK}"


def _hosts_and_real_rows(counties: int | None) -> tuple[list[str], list[tuple[str, str]], int]:
    """The real rows to load, the hosts of synthetic townships, and the hosts in the country.

    `counties` keeps only that many hosts, evenly spread over the country (and
    their ancestors): a small tree for tests.
    """
    real = [(row.code, row.name) for row in national_rows()]
    real_codes = {code for code, _ in real}
    hosts = [
        code for code in real_codes
        if codes.level_of(code) == "county"
        or (codes.level_of(code) == "city"
            and not any(c.startswith(code[:4]) and codes.level_of(c) == "county"
                        for c in real_codes))
    ]
    hosts.sort()
    in_country = len(hosts)
    if counties is not None and counties < len(hosts):
        step = len(hosts) / max(counties, 1)
        hosts = [hosts[int(i * step)] for i in range(counties)]
        keep = set(hosts)
        for host in hosts:
            keep.update(c for c in codes.ancestor_candidates(host) if c in real_codes)
        real = [(code, name) for code, name in real if code in keep]
    return hosts, sorted(real), in_country


def region_rows(
    *, seed: int, scale: float, tree: RegionTree, counties: int | None = None
) -> Iterator[RegionTuple]:
    """Every region in code order, as `REGION_COLUMNS` tuples; fills `tree` on the way."""
    hosts, real, tree.hosts_in_country = _hosts_and_real_rows(counties)
    host_set = set(hosts)
    real_codes = {code for code, _ in real}
    model_rng = random.Random(f"{seed}/model-regions")
    previous = ""

    def emit(row: RegionTuple) -> RegionTuple:
        nonlocal previous
        if row[0] <= previous:
            raise AssertionError(f"regions out of code order: {row[0]} after {previous}")
        previous = row[0]
        tree.codes.append(row[0])
        tree.levels[row[2]] += 1
        return row

    for code, name in real:
        level = codes.level_of(code)
        parent = next((c for c in codes.ancestor_candidates(code) if c in real_codes), None)
        model_year = None
        if level in ("city", "county") and model_rng.random() < MODEL_REGION_SHARE:
            model_year = model_rng.choice(MODEL_YEARS)
        yield emit((code, name, level, parent, model_year))
        if code in host_set:
            yield from _host_rows(seed=seed, scale=scale, host=code, tree=tree, emit=emit)


def _host_rows(*, seed: int, scale: float, host: str, tree: RegionTree,
               emit: Callable[[RegionTuple], RegionTuple]) -> Iterator[RegionTuple]:
    """The synthetic townships and villages of one county (or county-less city)."""
    rng = random.Random(f"{seed}/regions/{host[:6]}")
    host_index = len(tree.codes) - 1
    span = HostSpan(code=host, first_village=tree.villages, end_village=tree.villages)
    townships = _scaled(rng.randint(*TOWNSHIPS_PER_HOST), scale, rng)
    # Street offices (街道) are numbered from 001, towns (镇) from 101, townships (乡) from 201.
    numbers = {"街道": 0, "镇": 100, "乡": 200}
    planned = []
    for _ in range(townships):
        kind = rng.choices(("街道", "镇", "乡"), weights=(20, 55, 25))[0]
        numbers[kind] += 1
        planned.append((numbers[kind], kind))
    for number, kind in sorted(planned):
        township = f"{host[:6]}{number:03d}000"
        yield emit((township, _synthetic_name(rng, kind), "township", host, None))
        township_index = len(tree.codes) - 1
        # Communities (社区) are numbered from 001, villages (村) from 201.
        size = rng.randint(*VILLAGES_PER_TOWNSHIP)
        communities = size if kind == "街道" else sum(rng.random() < 0.15 for _ in range(size))
        numbered = [(n, "社区") for n in range(1, communities + 1)] + [
            (200 + n, "村") for n in range(1, size - communities + 1)
        ]
        for number, suffix in numbered:
            village = f"{township[:9]}{number:03d}"
            yield emit((village, _synthetic_name(rng, suffix), "village", township, None))
            tree.village_index.append(len(tree.codes) - 1)
            tree.village_township.append(township_index)
            tree.village_host.append(host_index)
    span.end_village = tree.villages
    tree.hosts.append(span)


def regions_generate(
    *, seed: int, scale: float, tree: RegionTree, counties: int | None = None,
    progress: ProgressHook | None = None,
) -> LoadStats:
    return load_rows(
        Region, REGION_COLUMNS,
        region_rows(seed=seed, scale=scale, tree=tree, counties=counties),
        progress=progress,
    )


def centres_generate() -> LoadStats:
    """A centre for every region, numbered in code order, named as `centres_ensure` names them."""
    return insert_select(
        Centre,
        ["id", "region_id", "level", "name", "address", "phone"],
        "SELECT ROW_NUMBER() OVER (ORDER BY code), code, level, name || CASE "
        "WHEN level IN ('township', 'village') THEN '退役军人服务站' "
        "ELSE '退役军人服务中心' END, '', '' {defaults} FROM centres_region ORDER BY code",
    )
