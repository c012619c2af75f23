"""The one reader of imported tables (centres.tabular): encodings, rows it refuses one by
one (NUL, over-long cells), and files it refuses before parsing (size, zip bombs)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from centres.tabular import RowError, parse_file, table_open

TEXT = "region_code,year\n330681,2024\n330681107,2025\n"


def rows_of(source: Any, **kw: Any) -> list[tuple[int, dict[str, str], str]]:
    table = table_open(source, fields=["region_code", "year"], required=["region_code"], **kw)
    return [(r.line, r.values, r.refused.message if r.refused else "") for r in table]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_utf8_with_and_without_bom_and_gb18030_read_alike(encoding: str) -> None:
    text = TEXT.replace("2025", "2025") + "330681108,二〇二五\n"
    assert rows_of(text.encode(encoding)) == [
        (2, {"region_code": "330681", "year": "2024"}, ""),
        (3, {"region_code": "330681107", "year": "2025"}, ""),
        (4, {"region_code": "330681108", "year": "二〇二五"}, ""),
    ]


def test_a_nul_byte_refuses_its_row_only_with_its_line_and_column() -> None:
    data = (TEXT + "3306\x0081108,2025\n330681109,2026\n").encode()
    found = rows_of(data, label=lambda name: {"region_code": "区划代码"}.get(name, name))
    assert [line for line, _values, _problem in found] == [2, 3, 4, 5]
    line, values, problem = found[2]
    assert (line, values) == (4, {}) and "NUL" in problem
    assert found[3][1] == {"region_code": "330681109", "year": "2026"}
    refused = next(r.refused for r in table_open(
        data, fields=["region_code", "year"], required=["region_code"],
        label=lambda name: "区划代码") if r.refused)
    assert refused.column == "区划代码" and refused.line == 4


@pytest.mark.parametrize("length", [1001, 200_000, 2_000_000])
def test_an_over_long_field_refuses_its_row_and_the_reading_goes_on(length: int) -> None:
    data = (TEXT + "330681108," + "9" * length + "\n330681109,2026\n").encode()
    found = rows_of(data)
    assert found[2][0] == 4 and found[2][1] == {} and found[2][2]
    assert found[-1] == (5, {"region_code": "330681109", "year": "2026"}, "")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.IMPORT_MAX_BYTES = 1024
    path = tmp_path / "big.csv"
    path.write_bytes(TEXT.encode() + b"330681108,2025\n" * 100)
    import centres.tabular as tabular

    monkeypatch.setattr(tabular, "_encoding", lambda handle: pytest.fail("read"))
    with pytest.raises(RowError) as caught:
        table_open(path, fields=["region_code"], required=["region_code"])
    assert caught.value.whole_file and "1.0" in caught.value.message  # 1.0 KB


def bomb(path: Path, unpacked: int) -> Path:
    """A real workbook with one more member of `unpacked` zeros (it compresses to little)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["region_code", "year"])
    book.save(path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * unpacked)
    return path


def test_a_workbook_that_unpacks_past_the_limit_is_refused_before_parsing(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.IMPORT_XLSX_MAX_UNPACKED = 1 << 20
    path = bomb(tmp_path / "bomb.xlsx", 2 << 20)
    assert path.stat().st_size < 64 * 1024  # small on disk, large unpacked
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("parsed"))
    with pytest.raises(RowError) as caught:
        table_open(path, fields=["region_code"], required=["region_code"])
    assert caught.value.whole_file and caught.value.line == 1


def test_a_workbook_under_the_limit_is_read(settings: Any, tmp_path: Path) -> None:
    settings.IMPORT_XLSX_MAX_UNPACKED = 4 << 20
    assert rows_of(bomb(tmp_path / "ok.xlsx", 1 << 20)) == []


def test_the_commands_report_a_nul_row_with_its_line_in_chinese(tmp_path: Path) -> None:
    report = parse_file((TEXT + "3306\x0081108,2025\n").encode(), required=["region_code"],
                        optional=["year"], parse=dict)
    assert [e.line for e in report.errors] == [4]
    path = tmp_path / "regions.csv"
    path.write_bytes("code,name\n330000,浙江省\n330600,绍\x00兴市\n".encode())
    with pytest.raises(CommandError) as caught:
        call_command("import_regions", path)
    assert "第3行" in str(caught.value) and "NUL" in str(caught.value)
