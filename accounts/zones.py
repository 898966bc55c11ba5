"""Development and functional zones (开发区, 高新区, 新区, 园区) written where a district belongs.

Exports from other CRMs list a company's district as 苏州工业园区, 东莞松山湖 or
武汉东湖高新区. A zone is not an administrative division, so it has no code of
its own. ``accounts/data/zones.json`` lists well-known zones with their
province and city, and their district where the zone and one district are the
same area or share one administration (苏州高新区 = 虎丘区, 广州开发区 = 黄埔区);
only the city where the zone spans several districts (苏州工业园区, 武汉东湖高新区).
A zone not in the table is recognised by its ending (…高新区, …开发区, …园区)
once the province and city before it are read; it gets only the city.

:func:`parse` reads a "省-市-区" value like :func:`accounts.regions.parse` and
also says which zone it met, so the importer can warn and keep the zone's name.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from accounts import regions

DATA_FILE = Path(__file__).resolve().parent / "data" / "zones.json"

# How a zone's name ends; a part with one of these endings after a known city is taken for a zone.
ZONE_ENDINGS = (
    "开发区",
    "高新区",
    "园区",
    "新区",
    "保税区",
    "工业区",
    "自贸区",
    "合作区",
    "实验区",
    "试验区",
    "示范区",
    "集聚区",
    "新片区",
    "港区",
    "科技城",
)
_LEVEL_ENDINGS = ("省", "市", "州", "盟", "县", "区")
_SEPARATORS = re.compile(r"[-/\s—–－／，,、|]+")


@dataclass(frozen=True)
class Zone:
    text: str  # as written in the file
    name: str  # the table's name, or the text for a zone found by its ending
    province: str
    city: str
    district: str  # "" when the zone spans several districts (or is not in the table)

    @property
    def codes(self) -> tuple[str, str, str | None]:
        return self.province, self.city, self.district or None


@dataclass(frozen=True)
class _Entry:
    name: str
    province: str
    city: str
    district: str


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


@lru_cache(maxsize=1)
def table() -> tuple[dict[str, _Entry], dict[str, dict[str, _Entry]]]:
    """(spelling -> zone, city code -> {spelling without the city's name -> zone}) from zones.json."""
    with DATA_FILE.open(encoding="utf-8") as fh:
        raw = json.load(fh)
    anywhere: dict[str, _Entry] = {}
    in_city: dict[str, dict[str, _Entry]] = {}
    for item in raw["zones"]:
        entry = _Entry(item["name"], item["province"], item["city"], item["district"])
        city_names = {regions.name(entry.city) or ""} | {(regions.name(entry.city) or "").removesuffix("市")}
        for spelling in (entry.name, *item["aliases"]):
            anywhere[_key(spelling)] = entry
            in_city.setdefault(entry.city, {})[_key(spelling)] = entry
            for city_name in filter(None, city_names):
                if spelling.startswith(city_name) and len(spelling) > len(city_name) + 1:
                    # 苏州工业园区 in 苏州市 may be written 工业园区
                    in_city[entry.city][_key(spelling[len(city_name) :])] = entry
    return anywhere, in_city


def parse(text: str) -> tuple[tuple[str, str | None, str | None], Zone | None]:
    """``regions.parse(text)``, and ``None``; or, when the last part is a zone, its codes and the zone.

    Raises ``ValueError`` (the message of ``regions.parse``) when neither reads it."""
    try:
        return regions.parse(text), None
    except ValueError as error:
        zone = find(text)
        if zone is None:
            raise error from None
        return zone.codes, zone


def find(text: str) -> Zone | None:
    """The zone that ends ``text`` ("江苏省-苏州市-苏州工业园区", "苏州工业园区", "广东东莞松山湖"), if any,
    provided what comes before it is the zone's own province and city."""
    raw = (text or "").strip()
    parts = [part for part in _SEPARATORS.split(raw) if part]
    if not parts:
        return None
    anywhere, in_city = table()
    # The zone is the last part, or (no separators) the end of the text: what is before it must read
    # as a province and city. Zones of the table first, then by their ending; longest first.
    last = parts[-1]
    splits = []
    for start in range(len(last)):
        before = "-".join([*parts[:-1], last[:start]]).strip("-")
        try:
            province, city, district = regions.parse(before) if before else ("", None, None)
        except ValueError:
            continue
        if not district:
            splits.append((last[start:], province, city))
    for zone_text, province, city in splits:
        entry = in_city.get(city, {}).get(_key(zone_text)) if city else anywhere.get(_key(zone_text))
        if entry is not None and (not province or province == entry.province):
            return Zone(zone_text, entry.name, entry.province, entry.city, entry.district)
    for zone_text, province, city in splits:
        if (
            city
            and len(zone_text) > 2
            and zone_text.endswith(ZONE_ENDINGS)
            and not zone_text.startswith(_LEVEL_ENDINGS)  # 江苏省苏州市某某园区: not "市某某园区"
            and _key(zone_text) not in anywhere  # a known zone of another city is a mistake, not a new zone
        ):
            return Zone(zone_text, zone_text, province, city, "")
    return None
