"""accounts.regions: national division codes from china-division (no database needed)."""

import json

import pytest
from django.core.exceptions import ValidationError

from accounts import regions


def _all_districts():
    for province, province_name in regions.provinces():
        for city, city_name in regions.cities(province):
            for district, district_name in regions.districts(city):
                yield (province, province_name), (city, city_name), (district, district_name)


# --- data -------------------------------------------------------------------------------------------------------


def test_source_names_the_npm_package():
    source = regions.source()
    assert source["package"] == "china-division"
    assert source["version"]


def test_counts_are_plausible():
    provinces = regions.provinces()
    cities = [c for p, _ in provinces for c in regions.cities(p)]
    districts = list(_all_districts())
    assert 31 <= len(provinces) <= 34
    assert 300 <= len(cities) <= 400
    assert 2800 <= len(districts) <= 3200


def test_codes_are_six_digits_ordered_and_nested():
    provinces = regions.provinces()
    assert provinces == sorted(provinces)
    for province, _ in provinces:
        assert len(province) == 6 and province.endswith("0000")
        cities = regions.cities(province)
        assert cities == sorted(cities)
        for city, _ in cities:
            assert len(city) == 6 and city[:2] == province[:2] and city != province
            districts = regions.districts(city)
            assert districts == sorted(districts)
            for district, _ in districts:
                assert len(district) == 6 and district != city
                # 重庆's counties (5002xx) are merged into 500100 on purpose
                assert district[:4] == city[:4] or (city, district[:4]) == ("500100", "5002")


def test_lookups():
    assert regions.provinces()[0] == ("110000", "北京市")
    assert ("330100", "杭州市") in regions.cities("330000")
    assert ("330106", "西湖区") in regions.districts("330100")
    assert regions.name("330000") == "浙江省"
    assert regions.name("330100") == "杭州市"
    assert regions.name("330106") == "西湖区"
    assert regions.name("999999") is None
    assert regions.name("") is None
    assert regions.name(None) is None
    assert regions.cities("999999") == []
    assert regions.cities("330100") == []  # a city is not a province
    assert regions.districts("330000") == []


def test_statistical_zones_and_hk_mo_tw_are_not_included():
    assert regions.name("320571") is None  # 苏州工业园区: a statistics code, not a division code
    assert not any(name.startswith(("香港", "澳门", "台湾")) for _, name in regions.provinces())


def test_loading_is_lazy_and_cached():
    regions._data.cache_clear()
    assert regions._data.cache_info().currsize == 0
    first = regions.provinces()
    assert regions._data.cache_info().currsize == 1
    assert regions.provinces() == first
    assert regions._data.cache_info().hits >= 1


def test_returned_lists_are_copies():
    regions.provinces().clear()
    regions.cities("330000").clear()
    assert len(regions.provinces()) >= 31
    assert regions.cities("330000")


# --- municipalities and placeholders ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("province", "city", "name"),
    [("110000", "110100", "北京市"), ("120000", "120100", "天津市"), ("310000", "310100", "上海市")],
)
def test_municipality_has_one_city_named_after_it(province, city, name):
    assert regions.cities(province) == [(city, name)]
    assert regions.is_placeholder(city)
    assert regions.full_name(province, city) == name


def test_chongqing_counties_merge_into_one_city():
    assert regions.cities("500000") == [("500100", "重庆市")]
    codes = dict(regions.districts("500100"))
    assert codes["500101"] == "万州区"
    assert codes["500229"] == "城口县"
    # the package's 县 placeholder code still resolves
    assert regions.name("500200") == "重庆市"
    assert regions.districts("500200") == regions.districts("500100")
    regions.validate("500000", "500200", "500229")


def test_province_administered_county_level_units():
    assert ("429000", "省直辖县级行政区划") in regions.cities("420000")
    assert ("429004", "仙桃市") in regions.districts("429000")
    assert ("659001", "石河子市") in regions.districts("659000")
    assert regions.is_placeholder("429000")
    assert not regions.is_placeholder("330100")


def test_full_name():
    assert regions.full_name("330000", "330100", "330106") == "浙江省 杭州市 西湖区"
    assert regions.full_name("330000", "330100", "330106", sep="") == "浙江省杭州市西湖区"
    assert regions.full_name("330000", "330100", "330106", sep=" / ") == "浙江省 / 杭州市 / 西湖区"
    assert regions.full_name("110000", "110100", "110105") == "北京市 朝阳区"
    assert regions.full_name("500000", "500100", "500229") == "重庆市 城口县"
    assert regions.full_name("420000", "429000", "429004") == "湖北省 仙桃市"
    assert regions.full_name("620000", "620200", "620201") == "甘肃省 嘉峪关市"
    assert regions.full_name("330000") == "浙江省"
    assert regions.full_name("330000", "330100") == "浙江省 杭州市"
    assert regions.full_name(district="330106") == "浙江省 杭州市 西湖区"
    assert regions.full_name(city="110100") == "北京市"
    assert regions.full_name() == ""
    assert regions.full_name("330000", "", None) == "浙江省"


# --- validate --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "triple",
    [
        ("330000", "330100", "330106"),
        ("330000", "330100", ""),
        ("330000", None, None),
        ("", "", ""),
        (None, None, None),
        ("110000", "110100", "110105"),
        ("420000", "429000", "429004"),
        ("440000", "441900", ""),  # 东莞: a city without districts
    ],
)
def test_validate_accepts(triple):
    regions.validate(*triple)


def _errors(*triple):
    with pytest.raises(ValidationError) as info:
        regions.validate(*triple)
    return info.value.message_dict


def test_validate_unknown_codes_name_the_field():
    assert _errors("990000", "", "") == {"province": ["Unknown province code 990000."]}
    assert _errors("330000", "339900", "") == {"city": ["Unknown city code 339900."]}
    assert _errors("330000", "330100", "330199") == {"district": ["Unknown district code 330199."]}
    # a code of another level is unknown at this level
    assert list(_errors("330100", "", "")) == ["province"]
    assert list(_errors("330000", "330106", "")) == ["city"]


def test_validate_parent_mismatch_names_the_field():
    errors = _errors("320000", "330100", "")
    assert list(errors) == ["city"]
    assert "杭州市" in errors["city"][0] and "江苏省" in errors["city"][0]

    errors = _errors("330000", "330100", "330203")  # 宁波 海曙区
    assert list(errors) == ["district"]
    assert "海曙区" in errors["district"][0] and "杭州市" in errors["district"][0]


def test_validate_lower_level_needs_the_one_above():
    assert list(_errors("", "330100", "")) == ["province"]
    assert list(_errors("330000", "", "330106")) == ["city"]


def test_validate_collects_several_fields():
    assert set(_errors("990000", "339900", "330199")) == {"province", "city", "district"}


# --- parse -----------------------------------------------------------------------------------------------------

HANGZHOU_XIHU = ("330000", "330100", "330106")
BEIJING_CHAOYANG = ("110000", "110100", "110105")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("浙江省-杭州市-西湖区", HANGZHOU_XIHU),
        ("浙江-杭州-西湖区", HANGZHOU_XIHU),
        ("浙江/杭州/西湖", HANGZHOU_XIHU),
        ("浙江省 杭州市 西湖区", HANGZHOU_XIHU),
        ("  浙江省—杭州市—西湖区  ", HANGZHOU_XIHU),
        ("浙江省－杭州市－西湖区", HANGZHOU_XIHU),
        ("浙江省，杭州市，西湖区", HANGZHOU_XIHU),
        ("浙江省, 杭州市, 西湖区", HANGZHOU_XIHU),
        ("浙江省杭州市西湖区", HANGZHOU_XIHU),
        ("浙江省", ("330000", None, None)),
        ("浙江-杭州", ("330000", "330100", None)),
        ("北京市-朝阳区", BEIJING_CHAOYANG),
        ("北京-北京市-朝阳区", BEIJING_CHAOYANG),
        ("北京市-市辖区-朝阳区", BEIJING_CHAOYANG),
        ("北京市朝阳区", BEIJING_CHAOYANG),
        ("北京", ("110000", None, None)),
        ("上海市-浦东新区", ("310000", "310100", "310115")),
        ("上海-浦东", ("310000", "310100", "310115")),
        ("天津市-天津市", ("120000", "120100", None)),
        ("重庆市-城口县", ("500000", "500100", "500229")),
        ("重庆市-县-城口县", ("500000", "500100", "500229")),
        ("重庆-重庆市-渝中区", ("500000", "500100", "500103")),
        ("广西-南宁-青秀区", ("450000", "450100", "450103")),
        ("广西壮族自治区-南宁市-青秀区", ("450000", "450100", "450103")),
        ("内蒙古-呼和浩特-新城区", ("150000", "150100", "150102")),
        ("新疆-乌鲁木齐-天山区", ("650000", "650100", "650102")),
        ("西藏-拉萨-城关区", ("540000", "540100", "540102")),
        ("宁夏-银川-兴庆区", ("640000", "640100", "640104")),
        ("湖北-恩施州-利川市", ("420000", "422800", "422802")),
        ("湖北-恩施-利川", ("420000", "422800", "422802")),
        ("吉林省-吉林市-船营区", ("220000", "220200", "220204")),
        ("湖北-仙桃", ("420000", "429000", "429004")),
        ("湖北省-省直辖县级行政区划-仙桃市", ("420000", "429000", "429004")),
        ("新疆-石河子市", ("650000", "659000", "659001")),
        ("广东-东莞", ("440000", "441900", None)),
        ("广东-东莞-东莞市", ("440000", "441900", None)),
    ],
)
def test_parse(text, expected):
    assert regions.parse(text) == expected


def test_parse_looks_districts_up_within_the_city():
    # 朝阳区 exists in Beijing and in 长春; 鼓楼区 in four cities.
    assert regions.parse("吉林-长春-朝阳区") == ("220000", "220100", "220104")
    gulou = {regions.parse(f"{p}-{c}-鼓楼区")[2] for p, c in [("江苏", "南京"), ("福建", "福州"), ("河南", "开封")]}
    assert len(gulou) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("火星-奥林匹斯", "Unknown province '火星'."),
        ("浙江-xx", "Unknown city 'xx' in 浙江省."),
        ("浙江省-宁波市-西湖区", "Unknown district '西湖区' in 浙江省 宁波市."),
        ("北京市-西湖区", "Unknown district '西湖区' in 北京市."),
        ("浙江省杭州市火星区", "Unknown district '火星区' in 浙江省 杭州市."),
        ("浙江-杭州-西湖-转塘", "Too many parts in '浙江-杭州-西湖-转塘': expected province, city and district."),
        ("", "No region given."),
        (" - / ", "No region given."),
    ],
)
def test_parse_failures_name_the_part(text, message):
    with pytest.raises(ValueError) as info:
        regions.parse(text)
    assert str(info.value) == message


def test_parse_round_trips_every_district():
    for (province, province_name), (city, city_name), (district, district_name) in _all_districts():
        for text in (f"{province_name}-{city_name}-{district_name}", f"{province_name}{city_name}{district_name}"):
            assert regions.parse(text) == (province, city, district), text


# --- picker ------------------------------------------------------------------------------------------------------


def test_picker_data_nests_codes_and_names():
    data = regions.picker_data()
    assert [(p["code"], p["name"]) for p in data] == regions.provinces()
    zhejiang = next(p for p in data if p["code"] == "330000")
    hangzhou = next(c for c in zhejiang["cities"] if c["code"] == "330100")
    assert hangzhou["name"] == "杭州市"
    assert {"code": "330106", "name": "西湖区"} in hangzhou["districts"]
    beijing = data[0]
    assert [c["name"] for c in beijing["cities"]] == ["北京市"]
    assert sum(len(c["districts"]) for p in data for c in p["cities"]) == len(list(_all_districts()))
    embedded = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    assert len(embedded.encode()) < 200_000
