"""accounts.choices: choice lists and the text → choice mapping used by the importer (no database)."""

import re
import string

import pytest
from django.test import override_settings
from django.utils import translation

from accounts.choices import (
    CHOICE_ALIASES,
    INDUSTRY_ALIASES,
    INDUSTRY_SECTIONS,
    BuyingRole,
    CustomerLevel,
    CustomerSource,
    DepartmentKind,
    Industry,
    _lookup_table,
    choice_from_text,
    industry_from_text,
)

ALL_CHOICES = [Industry, CustomerLevel, CustomerSource, DepartmentKind, BuyingRole]


# --- structure ---------------------------------------------------------------------------------------------------


def test_industry_has_the_20_gbt_4754_sections_plus_other():
    assert list(INDUSTRY_SECTIONS) == list(string.ascii_uppercase[: string.ascii_uppercase.index("T") + 1])
    assert set(INDUSTRY_SECTIONS.values()) == set(Industry) - {Industry.OTHER}
    assert Industry.OTHER == "other"
    assert len(Industry.values) == 21


@pytest.mark.parametrize("choices_cls", ALL_CHOICES, ids=lambda cls: cls.__name__)
def test_stored_values_are_short_slugs(choices_cls):
    pattern = re.compile(r"^[A-C]$" if choices_cls is CustomerLevel else r"^[a-z]+(?:_[a-z]+)*$")
    assert [value for value in choices_cls.values if not pattern.match(value)] == []
    assert max(map(len, choices_cls.values)) <= 32


@pytest.mark.parametrize(
    ("choices_cls", "values"),
    [
        (CustomerLevel, ["A", "B", "C"]),
        (CustomerSource, ["referral", "cold_visit", "inbound_call", "exhibition", "online", "other"]),
        (DepartmentKind, ["finance", "procurement", "technical", "business", "management", "other"]),
        (BuyingRole, ["decision_maker", "key_person", "influencer", "user", "gatekeeper", "other"]),
    ],
    ids=lambda item: getattr(item, "__name__", ""),
)
def test_choice_values_are_the_agreed_ones(choices_cls, values):
    assert choices_cls.values == values


@pytest.mark.parametrize("choices_cls", ALL_CHOICES, ids=lambda cls: cls.__name__)
def test_labels_are_english_source_strings(choices_cls):
    with translation.override(None):
        labels = [str(label) for label in choices_cls.labels]
    assert [label for label in labels if not label.isascii() or not label[:1].isupper()] == []


@pytest.mark.parametrize("choices_cls", ALL_CHOICES, ids=lambda cls: cls.__name__)
def test_aliases_point_to_members_of_their_own_class_and_do_not_collide(choices_cls):
    aliases = CHOICE_ALIASES[choices_cls]
    assert [alias for alias, value in aliases.items() if not isinstance(value, choices_cls)] == []
    _lookup_table.cache_clear()
    table = _lookup_table(choices_cls)  # raises ImproperlyConfigured on a collision
    assert set(table.values()) == set(choices_cls.values)


# --- choice_from_text --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choices_cls", "text", "expected"),
    [
        # CustomerLevel: value, English label, Chinese name and the ways sales people write it
        (CustomerLevel, "A", "A"),
        (CustomerLevel, "a", "A"),
        (CustomerLevel, "Ａ", "A"),
        (CustomerLevel, "Key account", "A"),
        (CustomerLevel, "KEY ACCOUNT", "A"),
        (CustomerLevel, "重点", "A"),
        (CustomerLevel, "重点客户", "A"),
        (CustomerLevel, "A类", "A"),
        (CustomerLevel, "a级", "A"),
        (CustomerLevel, "普通", "B"),
        (CustomerLevel, "Normal", "B"),
        (CustomerLevel, "B类客户", "B"),
        (CustomerLevel, "非优先", "C"),
        (CustomerLevel, "not a priority", "C"),
        (CustomerLevel, " C ", "C"),
        # CustomerSource
        (CustomerSource, "referral", "referral"),
        (CustomerSource, "转介绍", "referral"),
        (CustomerSource, "老客户介绍", "referral"),
        (CustomerSource, "陌拜", "cold_visit"),
        (CustomerSource, "陌生拜访", "cold_visit"),
        (CustomerSource, "Cold visit", "cold_visit"),
        (CustomerSource, "cold_visit", "cold_visit"),
        (CustomerSource, "COLD-VISIT", "cold_visit"),
        (CustomerSource, "电话咨询", "inbound_call"),
        (CustomerSource, "来电", "inbound_call"),
        (CustomerSource, "Inbound call", "inbound_call"),
        (CustomerSource, "展会", "exhibition"),
        (CustomerSource, "Trade show", "exhibition"),
        (CustomerSource, "exhibition", "exhibition"),
        (CustomerSource, "网络", "online"),
        (CustomerSource, "官网", "online"),
        (CustomerSource, "其他", "other"),
        (CustomerSource, "其它", "other"),
        # DepartmentKind
        (DepartmentKind, "财务", "finance"),
        (DepartmentKind, "财务部", "finance"),
        (DepartmentKind, "Finance", "finance"),
        (DepartmentKind, "采购部", "procurement"),
        (DepartmentKind, "Procurement", "procurement"),
        (DepartmentKind, "技术", "technical"),
        (DepartmentKind, "IT部", "technical"),
        (DepartmentKind, "R&D", "technical"),
        (DepartmentKind, "业务", "business"),
        (DepartmentKind, "管理层", "management"),
        (DepartmentKind, "总经办", "management"),
        (DepartmentKind, "other", "other"),
        # BuyingRole
        (BuyingRole, "决策者", "decision_maker"),
        (BuyingRole, "拍板人", "decision_maker"),
        (BuyingRole, "Decision maker", "decision_maker"),
        (BuyingRole, "decision_maker", "decision_maker"),
        (BuyingRole, "关键人", "key_person"),
        (BuyingRole, "Key person", "key_person"),
        (BuyingRole, "影响者", "influencer"),
        (BuyingRole, "使用者", "user"),
        (BuyingRole, "用户", "user"),
        (BuyingRole, "把关者", "gatekeeper"),
        (BuyingRole, "Gatekeeper", "gatekeeper"),
        # Industry (exact forms only)
        (Industry, "制造业", "manufacturing"),
        (Industry, "Manufacturing", "manufacturing"),
        (Industry, "IT", "it"),
        (Industry, "互联网", "it"),
        (Industry, "软件", "it"),
    ],
)
def test_choice_from_text(choices_cls, text, expected):
    assert choice_from_text(choices_cls, text) == expected


@pytest.mark.parametrize(
    ("choices_cls", "text"),
    [
        (CustomerLevel, "D"),
        (CustomerLevel, "重要"),
        (CustomerSource, "朋友圈广告投放"),
        (DepartmentKind, "行政"),
        (BuyingRole, "老板的秘书"),
        (Industry, "制造业批发"),
        (CustomerLevel, ""),
        (CustomerLevel, "   "),
        (CustomerLevel, None),
    ],
)
def test_choice_from_text_returns_none_when_nothing_matches(choices_cls, text):
    assert choice_from_text(choices_cls, text) is None


CHINESE_NAMES = [
    (CustomerLevel, {"重点": "A", "普通": "B", "非优先": "C"}),
    (
        CustomerSource,
        {
            "转介绍": "referral",
            "陌拜": "cold_visit",
            "电话咨询": "inbound_call",
            "展会": "exhibition",
            "网络": "online",
        },
    ),
    (
        DepartmentKind,
        {"财务": "finance", "采购": "procurement", "技术": "technical", "业务": "business", "管理层": "management"},
    ),
    (
        BuyingRole,
        {
            "决策者": "decision_maker",
            "关键人": "key_person",
            "影响者": "influencer",
            "使用者": "user",
            "把关者": "gatekeeper",
        },
    ),
]


@pytest.fixture
def english_only():
    """Only English configured: nothing can come from the zh-hans catalog."""
    _lookup_table.cache_clear()
    with override_settings(LANGUAGES=[("en", "English")]):
        yield
    _lookup_table.cache_clear()


@pytest.mark.parametrize(("choices_cls", "names"), CHINESE_NAMES, ids=lambda item: getattr(item, "__name__", ""))
def test_chinese_names_resolve_without_the_translation_catalog(english_only, choices_cls, names):
    assert {name: choice_from_text(choices_cls, name) for name in names} == names


def test_choice_from_text_does_not_cross_choice_classes():
    assert choice_from_text(CustomerLevel, "陌拜") is None
    assert choice_from_text(BuyingRole, "财务") is None
    assert choice_from_text(DepartmentKind, "Finance") == "finance"
    assert choice_from_text(Industry, "Finance") == "finance"


# --- industry ----------------------------------------------------------------------------------------------------

GBT_4754_SECTION_NAMES = {
    "农、林、牧、渔业": "agriculture",
    "农林牧渔业": "agriculture",
    "采矿业": "mining",
    "制造业": "manufacturing",
    "电力、热力、燃气及水生产和供应业": "utilities",
    "建筑业": "construction",
    "批发和零售业": "wholesale_retail",
    "交通运输、仓储和邮政业": "transport",
    "住宿和餐饮业": "hospitality",
    "信息传输、软件和信息技术服务业": "it",
    "金融业": "finance",
    "房地产业": "real_estate",
    "租赁和商务服务业": "business_services",
    "科学研究和技术服务业": "research",
    "水利、环境和公共设施管理业": "environment",
    "居民服务、修理和其他服务业": "resident_services",
    "教育": "education",
    "卫生和社会工作": "health",
    "文化、体育和娱乐业": "culture",
    "公共管理、社会保障和社会组织": "public_administration",
    "国际组织": "international",
}


@pytest.mark.parametrize(("name", "expected"), GBT_4754_SECTION_NAMES.items())
def test_every_official_section_name_maps_to_its_choice(name, expected):
    assert industry_from_text(name) == expected
    assert choice_from_text(Industry, name) == expected


def test_the_industry_alias_dict_covers_every_section():
    assert set(INDUSTRY_ALIASES.values()) == set(Industry)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # short forms
        ("制造", "manufacturing"),
        ("IT", "it"),
        ("it", "it"),
        ("ＩＴ", "it"),
        ("互联网", "it"),
        ("软件", "it"),
        ("银行", "finance"),
        ("物流", "transport"),
        ("房地产", "real_estate"),
        ("教育培训", "education"),
        ("医疗", "health"),
        ("政府", "public_administration"),
        ("其他", "other"),
        # English value / label
        ("real_estate", "real_estate"),
        ("Health and social work", "health"),
        # section letter or division code from registry exports
        ("C", "manufacturing"),
        ("I", "it"),
        ("C39 计算机、通信和其他电子设备制造业", "manufacturing"),
        ("I65软件和信息技术服务业", "it"),
        ("F-批发业", "wholesale_retail"),
        ("K70", "real_estate"),
        # division (大类) names via keywords
        ("专用设备制造业", "manufacturing"),
        ("农副食品加工业", "manufacturing"),
        ("纺织业", "manufacturing"),
        ("金属制品、机械和设备修理业", "manufacturing"),
        ("煤炭开采和洗选业", "mining"),
        ("软件开发", "it"),
        ("互联网和相关服务", "it"),
        ("道路运输业", "transport"),
        ("零售业", "wholesale_retail"),
        ("农产品批发", "wholesale_retail"),
        ("房屋建筑业", "construction"),
        ("建筑装饰、装修和其他建筑业", "construction"),
        ("货币金融服务", "finance"),
        ("融资租赁", "finance"),
        ("商务服务业", "business_services"),
        ("汽车租赁", "business_services"),
        ("研究和试验发展", "research"),
        ("专业技术服务业", "research"),
        ("生态保护和环境治理业", "environment"),
        ("环境卫生管理", "environment"),
        ("机动车、电子产品和日用产品修理业", "resident_services"),
        ("卫生", "health"),
        ("新闻和出版业", "culture"),
        ("广播、电视、电影和录音制作业", "culture"),
        ("电信、广播电视和卫星传输服务", "it"),
        ("畜牧业", "agriculture"),
        ("Software development", "it"),
    ],
)
def test_industry_from_text(text, expected):
    assert industry_from_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "科技",  # IT or research? ambiguous on purpose
        "医药",
        "XYZ",
        "A Team",  # a leading English "A" is not the section letter
        "Z",  # there is no section Z
        "c",  # section codes are upper case
    ],
)
def test_industry_from_text_returns_none_for_unknown_or_ambiguous_text(text):
    assert industry_from_text(text) is None
