"""The default standard (2020 national creation scheme, condensed to 17 indicators, 100 points).

Data migration so that it exists on every database; officials edit it or add a
new version in the admin.
"""

from decimal import Decimal

from django.db import migrations

DIMENSIONS = [
    ("environment", 14, [
        ("1.1", "服务场所面积达标，功能分区合理（接待、办事、活动）", 6),
        ("1.2", "标识标牌统一规范，公开服务事项和流程", 4),
        ("1.3", "服务设施设备齐全，信息化系统运行良好", 5),
        ("1.4", "建有荣誉室或文化墙，营造尊崇氛围", 5),
    ]),
    ("duty", 17, [
        ("2.1", "机构、编制、人员、经费到位", 7),
        ("2.2", "首问负责、一次告知、限时办结等制度健全", 6),
        ("2.3", "来访登记、台账管理规范，信息采集准确", 6),
        ("2.4", "优待证办理、待遇保障等政策落实到位", 6),
    ]),
    ("comfort", 10, [
        ("3.1", "开展心理疏导服务，建有心理咨询室或合作机构", 5),
        ("3.2", "矛盾纠纷排查化解及时，坚持和发展新时代“枫桥经验”", 6),
        ("3.3", "常态化走访慰问，重要节日上门慰问", 4),
    ]),
    ("care", 14, [
        ("4.1", "困难退役军人帮扶援助及时有效", 7),
        ("4.2", "就业创业服务（岗位推荐、技能培训）成效明显", 7),
        ("4.3", "悬挂光荣牌、尊崇礼遇等关爱举措落实", 6),
    ]),
    ("capability", 14, [
        ("5.1", "组建退役军人志愿者服务队，常态开展活动", 6),
        ("5.2", "培育兵支书等先进典型，发挥示范带动作用", 7),
        ("5.3", "服务对象满意度高，无重大负面事件", 7),
    ]),
]


def load(apps, schema_editor):
    Standard = apps.get_model("demonstration", "Standard")
    Dimension = apps.get_model("demonstration", "StandardDimension")
    Item = apps.get_model("demonstration", "StandardItem")
    standard, created = Standard.objects.get_or_create(
        year=2020,
        version=1,
        defaults={"name": "示范型退役军人服务中心（站）创建标准", "pass_mark": Decimal("85")},
    )
    if not created:
        return
    for order, (code, floor, items) in enumerate(DIMENSIONS, start=1):
        dimension = Dimension.objects.create(
            standard=standard, code=code, floor=Decimal(floor), order=order
        )
        for item_order, (number, text, points) in enumerate(items, start=1):
            Item.objects.create(
                dimension=dimension, number=number, text=text,
                max_points=Decimal(points), order=item_order,
            )


def unload(apps, schema_editor):
    Standard = apps.get_model("demonstration", "Standard")
    Standard.objects.filter(year=2020, version=1, assessments__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("demonstration", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
