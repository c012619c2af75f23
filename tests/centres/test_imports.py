from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from centres.models import Centre, Region

pytestmark = pytest.mark.django_db

REGIONS_CSV = (
    "code,name,model_year\n330000,浙江省,\n330600,绍兴市,\n330681,诸暨市,2021\n330681107,枫桥镇,\n"
)


def write(tmp_path: Path, text: str, encoding: str) -> Path:
    path = tmp_path / f"file-{encoding}.csv"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_regions_import_reads_every_encoding_excel_writes(tmp_path: Path, encoding: str) -> None:
    call_command("import_regions", write(tmp_path, REGIONS_CSV, encoding))
    zhuji = Region.objects.get(code="330681000000")
    assert zhuji.name == "诸暨市"
    assert zhuji.level == "county"
    assert zhuji.model_year == 2021
    assert zhuji.parent_id == "330600000000"
    assert Region.objects.get(code="330681107000").parent_id == "330681000000"


def test_importing_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, REGIONS_CSV, "utf-8-sig")
    call_command("import_regions", path)
    before = list(Region.objects.values_list("code", "name", "parent_id", "model_year"))
    call_command("import_regions", path)
    assert list(Region.objects.values_list("code", "name", "parent_id", "model_year")) == before


def test_a_file_without_model_years_keeps_the_stored_ones(tmp_path: Path) -> None:
    call_command("import_regions", write(tmp_path, REGIONS_CSV, "utf-8"))
    call_command("import_regions", write(tmp_path, "code,name\n330681,诸暨市\n", "gb18030"))
    assert Region.objects.get(code="330681000000").model_year == 2021


def test_a_file_with_bad_rows_is_refused_whole_naming_each_line(tmp_path: Path) -> None:
    text = REGIONS_CSV + "33068,短码,\n330682,,\n330681,重复,\n330683,嵊州市,19x\n"
    with pytest.raises(CommandError) as caught:
        call_command("import_regions", write(tmp_path, text, "gb18030"))
    message = str(caught.value)
    assert "第6行" in message and "6位、9位或12位" in message
    assert "第7行" in message and "名称为空" in message
    assert "第8行" in message and "与第4行重复" in message
    assert "第9行" in message and "不是有效年份" in message
    assert "4行错误，未导入任何数据" in message
    assert not Region.objects.exists()


def test_a_header_without_the_required_columns_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="表头缺少列 name"):
        call_command("import_regions", write(tmp_path, "code,title\n330000,浙江省\n", "utf-8"))


def test_centres_import_upserts_the_centre_of_each_region(tmp_path: Path) -> None:
    call_command("import_regions", write(tmp_path, REGIONS_CSV, "utf-8"))
    text = (
        "region_code,name,address,phone\n"
        "330681107,枫桥镇退役军人服务站,枫桥镇和平路1号,0575-1234\n"
        "330681,诸暨市退役军人服务中心,,\n"
    )
    path = tmp_path / "centres.csv"
    path.write_bytes(text.encode("gb18030"))
    call_command("import_centres", path)
    call_command("import_centres", path)
    station = Centre.objects.get(region_id="330681107000")
    assert station.name == "枫桥镇退役军人服务站"
    assert station.level == "township"
    assert station.is_station
    assert station.phone == "0575-1234"
    assert Centre.objects.count() == 2


def test_centres_import_refuses_a_region_that_does_not_exist(tmp_path: Path) -> None:
    path = tmp_path / "centres.csv"
    path.write_text("region_code,name\n330681,诸暨市退役军人服务中心\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第2行：区划330681000000不存在"):
        call_command("import_centres", path)
    assert not Centre.objects.exists()
