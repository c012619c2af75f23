"""Demo dispute cases in 诸暨市/枫桥镇 (and two in 浏阳市), in various states.

Everything goes through the services, so numbers, events and deadlines are
real. Idempotent: the cases carry a demo marker and are made only once. If the
veterans room has seeded veterans, some cases are linked to them.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cases import services
from cases.models import Case
from centres.models import Centre, User, within_q
from veterans.models import Veteran

MARKER = "（演示）"


def _centre(code: str) -> Centre | None:
    return Centre.objects.filter(region_id=code).first()


@transaction.atomic
def seed(log: Callable[[str], None]) -> None:
    if Case.objects.filter(summary__endswith=MARKER).exists():
        log("demo cases already present")
        return
    users = {u.username: u for u in User.objects.filter(
        username__in=["village", "township", "county", "liuyang"])}
    if len(users) < 4 or _centre("330681107201") is None:
        log("demo logins or regions missing; no demo cases")
        return
    village, township, county, liuyang = (
        users["village"], users["township"], users["county"], users["liuyang"]
    )
    people = list(Veteran.objects.filter(within_q("330681000000", "region")).order_by("id")[:12])
    cycle: Any = itertools.cycle(people) if people else None
    secretary = Veteran.objects.filter(
        Q(is_party_secretary=True) | Q(is_volunteer=True), within_q("330681107000", "region")
    ).first()
    now = timezone.now()

    def open_(code: str, category: str, summary: str, *, by: User, days_ago: int,
              accept: bool = True, risk: str = "ordinary", parties: str = "") -> Case:
        centre = _centre(code)
        assert centre is not None, code
        return services.case_open(
            centre=centre, category=category, summary=f"{summary}{MARKER}", by=by,
            risk_level=risk, other_parties=parties, accept=accept,
            veterans=[next(cycle)] if cycle else [],
            received_at=now - datetime.timedelta(days=days_ago),
        )

    def mediate(case: Case, by: User, note: str, *, veteran: bool = False) -> None:
        services.case_mediate(
            case=case, by=by, note=note, method="home_visit" if veteran else "face_to_face",
            mediator_veteran=secretary if veteran and secretary else None,
        )

    def settle(case: Case, by: User, resolution: str, *, satisfied: bool | None) -> Case:
        case = services.case_resolve(case=case, by=by, resolution=resolution)
        if satisfied is not None:
            case = services.case_follow_up(case=case, by=by, satisfied=satisfied,
                                           note="电话回访" if satisfied else "回访不满意")
        return case

    # 1. Resolved in the village, closed after a satisfied follow-up.
    c = open_("330681107201", "family", "退役军人与邻居因排水沟走向发生争执", by=village,
              days_ago=40, parties="邻居 陈某")
    mediate(c, village, "村调委会与兵支书上门，现场查看排水沟走向", veteran=True)
    settle(c, village, "双方同意共同出资改道排水沟，费用各半", satisfied=True)
    # 2. Escalated from 陈家村 to the township; waiting there.
    c = open_("330681107202", "land_housing", "宅基地边界争议，双方各执一词", by=township,
              days_ago=12, parties="同村 周某")
    mediate(c, township, "村级调解两次，双方不接受测量结果")
    services.case_escalate(case=c, by=township, reason="涉及宅基地确权，需镇国土所参与")
    # 3. Climbed village → township → county.
    c = open_("330681107201", "benefits", "伤残等级评定后抚恤金未按新标准发放", by=village,
              days_ago=30, risk="serious")
    mediate(c, village, "村里核对材料，政策问题需上级答复")
    services.case_escalate(case=c, by=village, reason="涉及待遇标准，村级无权答复")
    mediate(c, township, "镇站联系民政办核实发放记录")
    services.case_escalate(case=c, by=township, reason="需县退役军人事务局核定标准")
    # 4. Received and resolved at the township; awaiting the follow-up visit.
    c = open_("330681107000", "employment", "退役后创业贷款贴息申请被拒", by=township,
              days_ago=20)
    mediate(c, township, "与银行、人社所三方座谈")
    settle(c, township, "补齐材料后银行同意贴息贷款", satisfied=None)
    # 5. Never accepted: past the 15-day acceptance deadline (overdue).
    open_("330681107000", "placement", "安置单位未按约定安排岗位", by=township, days_ago=20,
          accept=False)
    # 6. Accepted at 栎桥村, in mediation.
    c = open_("330681107203", "medical", "优抚对象医疗费报销纠纷", by=township, days_ago=5)
    mediate(c, township, "联系医保站说明报销比例")
    # 7. Resolved in 视北村, reopened after a dissatisfied follow-up.
    c = open_("330681107204", "family", "赡养老人费用分担纠纷", by=township, days_ago=25,
              parties="兄弟 赵某")
    mediate(c, township, "兵支书组织家庭会议", veteran=True)
    settle(c, township, "兄弟二人按月分担赡养费", satisfied=False)
    # 8. Escalated to the county, referred down to 新择村 with instructions.
    c = open_("330681107000", "land_housing", "承包地流转租金拖欠", by=township, days_ago=18,
              risk="major", parties="某农业合作社")
    mediate(c, township, "镇站约谈合作社负责人")
    services.case_escalate(case=c, by=township, reason="合作社跨镇经营，需县级协调")
    services.case_refer_down(case=c, by=county, to=_centre("330681107205") or c.centre,
                             instructions="县里已约谈合作社，请新择村就近跟进租金支付")
    # 9. New, received today at 新择村, not yet accepted.
    open_("330681107205", "other", "咨询退役军人优待证使用范围引发误会", by=township,
          days_ago=0, accept=False)
    # 10. Another township of the county: resolved and closed there.
    if _centre("330681101000") is not None:
        c = open_("330681101000", "benefits", "义务兵家庭优待金发放延迟", by=county,
                  days_ago=35)
        mediate(c, county, "镇财政所说明拨付进度")
        settle(c, county, "优待金已补发到位", satisfied=True)
    # 11. Received at the county, deadline extended once.
    c = open_("330681000000", "placement", "转业干部安置岗位级别争议", by=county, days_ago=50,
              risk="serious")
    services.case_extend(case=c, by=county, days=30, reason="需等待编制部门书面答复")
    # 12. Escalated from the village, resolved at the township, closed.
    c = open_("330681107201", "employment", "退役士兵技能培训补贴未到账", by=village,
              days_ago=28)
    mediate(c, village, "村里协助查询补贴发放名单")
    services.case_escalate(case=c, by=village, reason="补贴由镇里统一发放")
    mediate(c, township, "镇站核对名单，发现银行卡号有误")
    settle(c, township, "更正卡号后补贴已到账", satisfied=True)
    # 浏阳市: two cases of another county (the outsider's area).
    if _centre("430181101201") is not None:
        c = open_("430181101201", "family", "退役军人婚姻家庭纠纷", by=liuyang, days_ago=9)
        mediate(c, liuyang, "村调委会调解")
    c = open_("430181000000", "benefits", "优待证办理进度咨询引发投诉", by=liuyang, days_ago=14)
    settle(c, liuyang, "已加急办理并当面致歉", satisfied=None)
    reminders = services.cases_overdue_mark()
    log(f"demo cases: {Case.objects.filter(summary__endswith=MARKER).count()}; "
        f"veterans linked: {'yes' if people else 'no (none seeded)'}; {reminders}")
