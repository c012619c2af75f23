"""Synthetic veterans and visits, for `generate_national`.

At scale 1.0: 2,000,000 veterans (about 3.3 per village) with valid resident ID
numbers, and 5,000,000 visits over the two years before `until`. Veterans are
generated county by county, so the uniqueness of their ID numbers (address code
x birth date x sequence) is kept with a set the size of one county. Visits are
generated day by day in time order, as they would have been logged.

Phone numbers start with 100, a prefix no mobile network uses: no real person
gets called by someone playing with a benchmark database.
"""

from __future__ import annotations

import datetime
import functools
import random
from array import array
from collections.abc import Iterator, Sequence
from typing import Any

from centres.generation import RegionTree
from config.bulkload import LoadStats, ProgressHook, load_rows
from veterans.idnumbers import _CHECK, _WEIGHTS
from veterans.models import Veteran, Visit

VETERANS_AT_FULL_SCALE = 2_000_000
VISITS_AT_FULL_SCALE = 5_000_000
VISIT_DAYS = 730
CHINA = datetime.timezone(datetime.timedelta(hours=8), "Asia/Shanghai")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史"
    "陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发"
    "武新利清飞彬富顺信杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心"
    "邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克"
    "伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘秀娟英华慧巧美娜静淑"
    "惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉"
    "琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉"
    "君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭"
    "凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝丽阳妮宝贝初程梵罡恒鸿桦骅剑娇纪宽苛灵玛媚琪晴"
    "容睿烁堂唯威韦雯苇萱阅彦宇雨洋忠宗曼紫逸贤蝶菡绿蓝儿翠烟"
)
# Birth years by decade: the oldest veterans served in the 1960s, the youngest left in the 2020s.
BIRTH_DECADES = ((1940, 5), (1950, 14), (1960, 20), (1970, 21), (1980, 19), (1990, 16), (2000, 5))
SEX_WEIGHTS = (("M", 93), ("F", 7))
DISCHARGE_KINDS = (("discharged", 58), ("demobilized", 16), ("transferred", 12),
                   ("retired", 11), ("other", 3))
CHANNELS = (("in_person", 55), ("phone", 20), ("home_visit", 15), ("online", 10))
PURPOSES = (("policy", 30), ("assistance", 20), ("employment", 12), ("card", 12),
            ("rights", 10), ("honours", 6), ("counselling", 4), ("other", 6))
OUTCOMES = (("answered", 75), ("referred", 20), ("case_opened", 5))
# Which centre a veteran walks into: the village station, the township's, the county's.
CENTRE_LEVELS = (("village", 55), ("township", 30), ("county", 15))
SUMMARIES = {
    "policy": ["咨询退役安置政策", "咨询优抚待遇标准", "咨询社会保险接续"],
    "assistance": ["申请临时救助", "反映生活困难，申请帮扶", "咨询医疗救助"],
    "employment": ["咨询就业创业扶持", "报名职业技能培训", "咨询创业贷款贴息"],
    "card": ["申领优待证", "优待证信息变更"],
    "rights": ["反映土地纠纷", "反映劳动报酬争议", "反映邻里矛盾"],
    "honours": ["悬挂光荣牌", "春节走访慰问"],
    "counselling": ["心理疏导", "家庭关系咨询"],
    "other": ["其他事项"],
}

VETERAN_COLUMNS = [
    "id", "name", "sex", "birth_date", "id_number", "phone", "region_id", "discharge_year",
    "discharge_kind", "is_disabled", "is_martyr_family", "needs_assistance",
    "is_party_secretary", "is_volunteer", "is_decorated", "took_part_in_combat",
    "created_at", "updated_at",
]
VISIT_COLUMNS = [
    "id", "veteran_id", "centre_id", "region_id", "visited_at", "channel", "purpose",
    "summary", "outcome", "recorded_by_id", "idempotency_key", "created_at",
]


def _table(weights: Sequence[tuple[Any, int]]) -> list[Any]:
    """A lookup table: `table[int(random() * len(table))]` draws with these weights."""
    return [value for value, weight in weights for _ in range(weight)]


# Text is made from lookup tables rather than by formatting dates for every row:
# this loop runs seven million times at scale 1.0. Timestamps are ISO text with
# the +08:00 offset, which both COPY and Django's DateTimeField read.
@functools.cache
def _clock() -> list[str]:
    """"HH:MM:SS" for every second of the day."""
    return [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]


@functools.cache
def _birth_days(year: int) -> list[tuple[str, str, int]]:
    """Every day of a year: the ISO date, its 8 digits, and their weighted sum for the
    check digit."""
    days = []
    day = datetime.date(year, 1, 1)
    while day.year == year:
        digits = day.strftime("%Y%m%d")
        weighted = sum(int(c) * w for c, w in zip(digits, _WEIGHTS[6:14], strict=True))
        days.append((day.isoformat(), digits, weighted))
        day += datetime.timedelta(days=1)
    return days


_SEQUENCE_SUMS = [sum(int(c) * w for c, w in zip(f"{n:03d}", _WEIGHTS[14:17], strict=True))
                  for n in range(1000)]


def veterans_count(*, scale: float, tree: RegionTree) -> int:
    return round(VETERANS_AT_FULL_SCALE * scale * tree.share_of_country) if tree.villages else 0


def visits_count(*, scale: float, tree: RegionTree, veterans: int) -> int:
    return round(VISITS_AT_FULL_SCALE * scale * tree.share_of_country) if veterans else 0


def veteran_rows(
    *, seed: int, tree: RegionTree, total: int, until: datetime.date, homes: array[int]
) -> Iterator[tuple[Any, ...]]:
    """`total` veterans as `VETERAN_COLUMNS` tuples, ids from 1; `homes[id - 1]` gets each
    veteran's village (its position in the tree's village arrays)."""
    villages = tree.villages
    codes, village_index = tree.codes, tree.village_index
    sexes, decades = _table(SEX_WEIGHTS), _table(BIRTH_DECADES)
    kinds = _table(DISCHARGE_KINDS)
    n_sexes, n_decades, n_kinds = len(sexes), len(decades), len(kinds)
    n_surnames, n_given = len(SURNAMES), len(GIVEN)
    births = {year: _birth_days(year) for year in range(1940, 2005)}
    clock = _clock()
    # Registered between two and about eight years before `until`, in office hours.
    registration_days = [(until - datetime.timedelta(days=VISIT_DAYS + d)).isoformat()
                         for d in range(2000)]
    last_year = until.year
    veteran_id = 0
    allotted = 0
    for host in tree.hosts:
        # Veterans in proportion to villages; cumulative rounding keeps the exact total.
        allotted_after = round(total * host.end_village / villages)
        count, allotted = allotted_after - allotted, allotted_after
        if count <= 0:
            continue
        rng = random.Random(f"{seed}/veterans/{host.code[:6]}")
        r = rng.random
        used: set[str] = set()
        address = host.code[:6]
        address_sum = sum(int(c) * w for c, w in zip(address, _WEIGHTS[:6], strict=True))
        first, span = host.first_village, host.end_village - host.first_village
        for _ in range(count):
            veteran_id += 1
            home = first + int(r() * span)
            homes.append(home)
            sex = sexes[int(r() * n_sexes)]
            year = min(decades[int(r() * n_decades)] + int(r() * 10), 2004)
            days = births[year]
            born, born_digits, born_sum = days[int(r() * len(days))]
            parity = 1 if sex == "M" else 2
            while True:
                # Odd sequences for men, even for women (GB 11643).
                sequence = 2 * int(r() * 499) + parity
                key = f"{born_digits}{sequence:03d}"
                if key not in used:
                    used.add(key)
                    break
            check = _CHECK[(address_sum + born_sum + _SEQUENCE_SUMS[sequence]) % 11]
            name = SURNAMES[int(r() * n_surnames)] + GIVEN[int(r() * n_given)]
            if r() < 0.7:
                name += GIVEN[int(r() * n_given)]
            registered = (f"{registration_days[int(r() * 2000)]} "
                          f"{clock[32_400 + int(r() * 30_000)]}+08:00")
            # Flags, about as common as in the registries: disabled 3%, martyr's family
            # 1%, needing assistance 8%, party secretary 1%, volunteer 10%, decorated 4%,
            # combat or weapons tests 5% (so about one veteran in five is a priority one).
            yield (
                veteran_id, name, sex, born, f"{address}{key}{check}",
                f"100{int(r() * 100_000_000):08d}", codes[village_index[home]],
                min(year + 19 + int(r() * 18), last_year), kinds[int(r() * n_kinds)],
                r() < 0.03, r() < 0.01, r() < 0.08, r() < 0.01, r() < 0.10,
                r() < 0.04, r() < 0.05, registered, registered,
            )
        used.clear()


def visit_rows(
    *, seed: int, tree: RegionTree, total: int, until: datetime.date, homes: array[int],
    recorded_by_id: int,
) -> Iterator[tuple[Any, ...]]:
    """`total` visits over the VISIT_DAYS days before `until`, in time order, ids from 1.

    Weekdays get four times the visits of a weekend day; the hours are office hours.
    """
    rng = random.Random(f"{seed}/visits")
    r = rng.random
    channels, purposes = _table(CHANNELS), _table(PURPOSES)
    outcomes, levels = _table(OUTCOMES), _table(CENTRE_LEVELS)
    clock = _clock()
    codes, village_index = tree.codes, tree.village_index
    township_of, host_of = tree.village_township, tree.village_host
    veterans = len(homes)
    first_day = until - datetime.timedelta(days=VISIT_DAYS)
    days = [first_day + datetime.timedelta(days=d) for d in range(VISIT_DAYS)]
    weights = [1 if day.weekday() >= 5 else 4 for day in days]
    weight_total = sum(weights)
    visit_id = 0
    running = 0
    allotted = 0
    for day, weight in zip(days, weights, strict=True):
        running += weight
        allotted_after = round(total * running / weight_total)
        count, allotted = allotted_after - allotted, allotted_after
        date_text = day.isoformat()
        # Office hours, 08:00 to 17:30, in time order.
        for second in sorted(28_800 + int(r() * 34_200) for _ in range(count)):
            visit_id += 1
            veteran = int(r() * veterans)
            home = homes[veteran]
            level = levels[int(r() * len(levels))]
            if level == "village":
                index = village_index[home]
            elif level == "township":
                index = township_of[home]
            else:
                index = host_of[home]
            purpose = purposes[int(r() * len(purposes))]
            summary = SUMMARIES[purpose]
            yield (
                visit_id, veteran + 1, index + 1, codes[index],
                f"{date_text} {clock[second]}+08:00",
                channels[int(r() * len(channels))], purpose, summary[int(r() * len(summary))],
                outcomes[int(r() * len(outcomes))], recorded_by_id, "",
                f"{date_text} {clock[second + 30 + int(r() * 600)]}+08:00",
            )


def veterans_generate(
    *, seed: int, tree: RegionTree, total: int, until: datetime.date, homes: array[int],
    progress: ProgressHook | None = None,
) -> LoadStats:
    return load_rows(
        Veteran, VETERAN_COLUMNS,
        veteran_rows(seed=seed, tree=tree, total=total, until=until, homes=homes),
        progress=progress, plain=True,
    )


def visits_generate(
    *, seed: int, tree: RegionTree, total: int, until: datetime.date, homes: array[int],
    recorded_by_id: int, progress: ProgressHook | None = None,
) -> LoadStats:
    return load_rows(
        Visit, VISIT_COLUMNS,
        visit_rows(seed=seed, tree=tree, total=total, until=until, homes=homes,
                   recorded_by_id=recorded_by_id),
        progress=progress, plain=True,
    )
