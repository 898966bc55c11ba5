"""Choice lists for customers and contacts, and text → choice mapping for the importer.

Labels are English source strings (``gettext_lazy``); the Chinese names in the
comments are the ones the translation catalog should use.  Besides the catalog,
:data:`CHOICE_ALIASES` lists the Chinese names and the short forms people type in
import files, so ``choice_from_text`` works before (and independently of) the
translations.
"""

import functools
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

__all__ = [
    "CHOICE_ALIASES",
    "INDUSTRY_ALIASES",
    "INDUSTRY_SECTIONS",
    "BuyingRole",
    "CustomerLevel",
    "CustomerSource",
    "DepartmentKind",
    "Industry",
    "choice_from_text",
    "choice_names",
    "choice_text",
    "industry_from_text",
    "register_choice_aliases",
]


class Industry(models.TextChoices):
    """The 20 sections (门类 A–T) of GB/T 4754-2017 国民经济行业分类, plus "other"."""

    AGRICULTURE = "agriculture", _("Agriculture, forestry, animal husbandry and fishery")  # A 农、林、牧、渔业
    MINING = "mining", _("Mining")  # B 采矿业
    MANUFACTURING = "manufacturing", _("Manufacturing")  # C 制造业
    # D 电力、热力、燃气及水生产和供应业
    UTILITIES = "utilities", _("Electricity, heat, gas and water production and supply")
    CONSTRUCTION = "construction", _("Construction")  # E 建筑业
    WHOLESALE_RETAIL = "wholesale_retail", _("Wholesale and retail trade")  # F 批发和零售业
    TRANSPORT = "transport", _("Transport, storage and postal services")  # G 交通运输、仓储和邮政业
    HOSPITALITY = "hospitality", _("Accommodation and catering")  # H 住宿和餐饮业
    IT = "it", _("Information transmission, software and IT services")  # I 信息传输、软件和信息技术服务业
    FINANCE = "finance", _("Financial services")  # J 金融业
    REAL_ESTATE = "real_estate", _("Real estate")  # K 房地产业
    BUSINESS_SERVICES = "business_services", _("Leasing and business services")  # L 租赁和商务服务业
    RESEARCH = "research", _("Scientific research and technical services")  # M 科学研究和技术服务业
    # N 水利、环境和公共设施管理业
    ENVIRONMENT = "environment", _("Water conservancy, environment and public facilities management")
    # O 居民服务、修理和其他服务业
    RESIDENT_SERVICES = "resident_services", _("Resident services, repair and other services")
    EDUCATION = "education", _("Education")  # P 教育
    HEALTH = "health", _("Health and social work")  # Q 卫生和社会工作
    CULTURE = "culture", _("Culture, sports and entertainment")  # R 文化、体育和娱乐业
    # S 公共管理、社会保障和社会组织
    PUBLIC_ADMINISTRATION = (
        "public_administration",
        _("Public administration, social security and social organisations"),
    )
    INTERNATIONAL = "international", _("International organisations")  # T 国际组织
    OTHER = "other", _("Other")  # 其他


# GB/T 4754-2017 section letter → choice.
INDUSTRY_SECTIONS: dict[str, Industry] = {
    "A": Industry.AGRICULTURE,
    "B": Industry.MINING,
    "C": Industry.MANUFACTURING,
    "D": Industry.UTILITIES,
    "E": Industry.CONSTRUCTION,
    "F": Industry.WHOLESALE_RETAIL,
    "G": Industry.TRANSPORT,
    "H": Industry.HOSPITALITY,
    "I": Industry.IT,
    "J": Industry.FINANCE,
    "K": Industry.REAL_ESTATE,
    "L": Industry.BUSINESS_SERVICES,
    "M": Industry.RESEARCH,
    "N": Industry.ENVIRONMENT,
    "O": Industry.RESIDENT_SERVICES,
    "P": Industry.EDUCATION,
    "Q": Industry.HEALTH,
    "R": Industry.CULTURE,
    "S": Industry.PUBLIC_ADMINISTRATION,
    "T": Industry.INTERNATIONAL,
}

# Official Chinese section names (punctuation is ignored when matching, so "农林牧渔业" matches too)
# and the short forms seen in customer lists.  Deliberately absent because they are ambiguous:
# 科技 (IT or M?), 医药 (manufacturing or retail?), 能源 (mining or utilities?), 投资, 事业单位, 基金.
INDUSTRY_ALIASES: dict[str, Industry] = {
    # A
    "农、林、牧、渔业": Industry.AGRICULTURE,
    "农林牧渔": Industry.AGRICULTURE,
    "农业": Industry.AGRICULTURE,
    "林业": Industry.AGRICULTURE,
    "畜牧业": Industry.AGRICULTURE,
    "渔业": Industry.AGRICULTURE,
    "agriculture": Industry.AGRICULTURE,
    # B
    "采矿业": Industry.MINING,
    "采矿": Industry.MINING,
    "矿业": Industry.MINING,
    # C
    "制造业": Industry.MANUFACTURING,
    "制造": Industry.MANUFACTURING,
    "生产制造": Industry.MANUFACTURING,
    "工业": Industry.MANUFACTURING,
    "工厂": Industry.MANUFACTURING,
    # D
    "电力、热力、燃气及水生产和供应业": Industry.UTILITIES,
    "电力": Industry.UTILITIES,
    "燃气": Industry.UTILITIES,
    "水务": Industry.UTILITIES,
    "公用事业": Industry.UTILITIES,
    # E
    "建筑业": Industry.CONSTRUCTION,
    "建筑": Industry.CONSTRUCTION,
    "建筑工程": Industry.CONSTRUCTION,
    "工程建设": Industry.CONSTRUCTION,
    "装饰装修": Industry.CONSTRUCTION,
    # F
    "批发和零售业": Industry.WHOLESALE_RETAIL,
    "批发零售": Industry.WHOLESALE_RETAIL,
    "批发": Industry.WHOLESALE_RETAIL,
    "零售": Industry.WHOLESALE_RETAIL,
    "贸易": Industry.WHOLESALE_RETAIL,
    "商贸": Industry.WHOLESALE_RETAIL,
    "电商": Industry.WHOLESALE_RETAIL,
    "retail": Industry.WHOLESALE_RETAIL,
    "wholesale": Industry.WHOLESALE_RETAIL,
    # G
    "交通运输、仓储和邮政业": Industry.TRANSPORT,
    "交通运输": Industry.TRANSPORT,
    "物流": Industry.TRANSPORT,
    "运输": Industry.TRANSPORT,
    "仓储": Industry.TRANSPORT,
    "快递": Industry.TRANSPORT,
    "logistics": Industry.TRANSPORT,
    # H
    "住宿和餐饮业": Industry.HOSPITALITY,
    "餐饮": Industry.HOSPITALITY,
    "酒店": Industry.HOSPITALITY,
    "住宿": Industry.HOSPITALITY,
    # I
    "信息传输、软件和信息技术服务业": Industry.IT,
    "IT": Industry.IT,
    "互联网": Industry.IT,
    "软件": Industry.IT,
    "软件和信息技术服务业": Industry.IT,
    "信息技术": Industry.IT,
    "电信": Industry.IT,
    "通信": Industry.IT,
    "software": Industry.IT,
    "internet": Industry.IT,
    # J
    "金融业": Industry.FINANCE,
    "金融": Industry.FINANCE,
    "银行": Industry.FINANCE,
    "保险": Industry.FINANCE,
    "证券": Industry.FINANCE,
    "banking": Industry.FINANCE,
    "insurance": Industry.FINANCE,
    # K
    "房地产业": Industry.REAL_ESTATE,
    "房地产": Industry.REAL_ESTATE,
    "地产": Industry.REAL_ESTATE,
    "物业": Industry.REAL_ESTATE,
    "物业管理": Industry.REAL_ESTATE,
    # L
    "租赁和商务服务业": Industry.BUSINESS_SERVICES,
    "商务服务": Industry.BUSINESS_SERVICES,
    "租赁": Industry.BUSINESS_SERVICES,
    "咨询": Industry.BUSINESS_SERVICES,
    "广告": Industry.BUSINESS_SERVICES,
    "人力资源": Industry.BUSINESS_SERVICES,
    "法律服务": Industry.BUSINESS_SERVICES,
    "consulting": Industry.BUSINESS_SERVICES,
    # M
    "科学研究和技术服务业": Industry.RESEARCH,
    "科研": Industry.RESEARCH,
    "科学研究": Industry.RESEARCH,
    "技术服务": Industry.RESEARCH,
    "检验检测": Industry.RESEARCH,
    "研究院": Industry.RESEARCH,
    # N
    "水利、环境和公共设施管理业": Industry.ENVIRONMENT,
    "水利": Industry.ENVIRONMENT,
    "环保": Industry.ENVIRONMENT,
    "环境治理": Industry.ENVIRONMENT,
    "公共设施管理": Industry.ENVIRONMENT,
    # O
    "居民服务、修理和其他服务业": Industry.RESIDENT_SERVICES,
    "居民服务": Industry.RESIDENT_SERVICES,
    "维修": Industry.RESIDENT_SERVICES,
    "家政": Industry.RESIDENT_SERVICES,
    # P
    "教育": Industry.EDUCATION,
    "教育培训": Industry.EDUCATION,
    "培训": Industry.EDUCATION,
    "学校": Industry.EDUCATION,
    "高校": Industry.EDUCATION,
    # Q
    "卫生和社会工作": Industry.HEALTH,
    "医疗": Industry.HEALTH,
    "医疗卫生": Industry.HEALTH,
    "医院": Industry.HEALTH,
    "卫生": Industry.HEALTH,
    "healthcare": Industry.HEALTH,
    # R
    "文化、体育和娱乐业": Industry.CULTURE,
    "文化": Industry.CULTURE,
    "文体娱乐": Industry.CULTURE,
    "传媒": Industry.CULTURE,
    "媒体": Industry.CULTURE,
    "影视": Industry.CULTURE,
    "体育": Industry.CULTURE,
    "娱乐": Industry.CULTURE,
    "media": Industry.CULTURE,
    # S
    "公共管理、社会保障和社会组织": Industry.PUBLIC_ADMINISTRATION,
    "公共管理": Industry.PUBLIC_ADMINISTRATION,
    "政府": Industry.PUBLIC_ADMINISTRATION,
    "政府机关": Industry.PUBLIC_ADMINISTRATION,
    "社会组织": Industry.PUBLIC_ADMINISTRATION,
    "government": Industry.PUBLIC_ADMINISTRATION,
    # T
    "国际组织": Industry.INTERNATIONAL,
    # other
    "其他": Industry.OTHER,
    "其它": Industry.OTHER,
}


class CustomerLevel(models.TextChoices):
    A = "A", _("Key account")  # 重点
    B = "B", _("Normal")  # 普通
    C = "C", _("Not a priority")  # 非优先


class CustomerSource(models.TextChoices):
    REFERRAL = "referral", _("Referral")  # 转介绍
    COLD_VISIT = "cold_visit", _("Cold visit")  # 陌拜
    INBOUND_CALL = "inbound_call", _("Inbound call")  # 电话咨询
    EXHIBITION = "exhibition", _("Trade show")  # 展会
    ONLINE = "online", _("Online")  # 网络
    OTHER = "other", _("Other")  # 其他


class DepartmentKind(models.TextChoices):
    FINANCE = "finance", _("Finance")  # 财务
    PROCUREMENT = "procurement", _("Procurement")  # 采购
    TECHNICAL = "technical", _("Technical")  # 技术
    BUSINESS = "business", _("Business")  # 业务
    MANAGEMENT = "management", _("Management")  # 管理层
    OTHER = "other", _("Other")  # 其他


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")  # 决策者
    KEY_PERSON = "key_person", _("Key person")  # 关键人
    INFLUENCER = "influencer", _("Influencer")  # 影响者
    USER = "user", _("User")  # 使用者
    GATEKEEPER = "gatekeeper", _("Gatekeeper")  # 把关者
    OTHER = "other", _("Other")  # 其他


# Text typed in import files → value, in addition to each choice's value and (translated) label.
CHOICE_ALIASES: dict[type[models.TextChoices], dict[str, str]] = {
    Industry: INDUSTRY_ALIASES,
    CustomerLevel: {
        "重点": CustomerLevel.A,
        "重点客户": CustomerLevel.A,
        "A类": CustomerLevel.A,
        "A级": CustomerLevel.A,
        "A类客户": CustomerLevel.A,
        "KA": CustomerLevel.A,
        "普通": CustomerLevel.B,
        "普通客户": CustomerLevel.B,
        "一般": CustomerLevel.B,
        "B类": CustomerLevel.B,
        "B级": CustomerLevel.B,
        "B类客户": CustomerLevel.B,
        "非优先": CustomerLevel.C,
        "非优先客户": CustomerLevel.C,
        "C类": CustomerLevel.C,
        "C级": CustomerLevel.C,
        "C类客户": CustomerLevel.C,
    },
    CustomerSource: {
        "转介绍": CustomerSource.REFERRAL,
        "介绍": CustomerSource.REFERRAL,
        "客户介绍": CustomerSource.REFERRAL,
        "老客户介绍": CustomerSource.REFERRAL,
        "朋友介绍": CustomerSource.REFERRAL,
        "陌拜": CustomerSource.COLD_VISIT,
        "陌生拜访": CustomerSource.COLD_VISIT,
        "上门拜访": CustomerSource.COLD_VISIT,
        "cold call": CustomerSource.COLD_VISIT,
        "电话咨询": CustomerSource.INBOUND_CALL,
        "来电": CustomerSource.INBOUND_CALL,
        "来电咨询": CustomerSource.INBOUND_CALL,
        "展会": CustomerSource.EXHIBITION,
        "展览会": CustomerSource.EXHIBITION,
        "会展": CustomerSource.EXHIBITION,
        "exhibition": CustomerSource.EXHIBITION,
        "trade fair": CustomerSource.EXHIBITION,
        "网络": CustomerSource.ONLINE,
        "网络推广": CustomerSource.ONLINE,
        "网站": CustomerSource.ONLINE,
        "官网": CustomerSource.ONLINE,
        "线上": CustomerSource.ONLINE,
        "其他": CustomerSource.OTHER,
        "其它": CustomerSource.OTHER,
    },
    DepartmentKind: {
        "财务": DepartmentKind.FINANCE,
        "财务部": DepartmentKind.FINANCE,
        "财务部门": DepartmentKind.FINANCE,
        "采购": DepartmentKind.PROCUREMENT,
        "采购部": DepartmentKind.PROCUREMENT,
        "采购部门": DepartmentKind.PROCUREMENT,
        "招标采购": DepartmentKind.PROCUREMENT,
        "purchasing": DepartmentKind.PROCUREMENT,
        "技术": DepartmentKind.TECHNICAL,
        "技术部": DepartmentKind.TECHNICAL,
        "技术部门": DepartmentKind.TECHNICAL,
        "研发": DepartmentKind.TECHNICAL,
        "研发部": DepartmentKind.TECHNICAL,
        "IT部": DepartmentKind.TECHNICAL,
        "信息部": DepartmentKind.TECHNICAL,
        "信息中心": DepartmentKind.TECHNICAL,
        "R&D": DepartmentKind.TECHNICAL,
        "业务": DepartmentKind.BUSINESS,
        "业务部": DepartmentKind.BUSINESS,
        "业务部门": DepartmentKind.BUSINESS,
        "使用部门": DepartmentKind.BUSINESS,
        "管理层": DepartmentKind.MANAGEMENT,
        "管理": DepartmentKind.MANAGEMENT,
        "高管": DepartmentKind.MANAGEMENT,
        "总经办": DepartmentKind.MANAGEMENT,
        "总经理办公室": DepartmentKind.MANAGEMENT,
        "其他": DepartmentKind.OTHER,
        "其它": DepartmentKind.OTHER,
    },
    BuyingRole: {
        "决策者": BuyingRole.DECISION_MAKER,
        "决策人": BuyingRole.DECISION_MAKER,
        "拍板人": BuyingRole.DECISION_MAKER,
        "关键人": BuyingRole.KEY_PERSON,
        "关键人物": BuyingRole.KEY_PERSON,
        "影响者": BuyingRole.INFLUENCER,
        "影响人": BuyingRole.INFLUENCER,
        "使用者": BuyingRole.USER,
        "使用人": BuyingRole.USER,
        "用户": BuyingRole.USER,
        "end user": BuyingRole.USER,
        "把关者": BuyingRole.GATEKEEPER,
        "把关人": BuyingRole.GATEKEEPER,
        "守门人": BuyingRole.GATEKEEPER,
        "其他": BuyingRole.OTHER,
        "其它": BuyingRole.OTHER,
    },
}


def _lookup_key(text) -> str:
    """NFKC, case-fold, drop whitespace, punctuation and symbols: "Co-Work ＩＴ、" → "coworkit"."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    return "".join(char for char in text if unicodedata.category(char)[0] not in "PSZC")


@functools.cache
def _lookup_table(choices_cls: type[models.TextChoices]) -> dict[str, str]:
    """Lookup key → value for one choices class.

    Values, English source labels and :data:`CHOICE_ALIASES` must not collide (that
    is a programming error and raises ``ImproperlyConfigured``); labels translated
    into the configured ``LANGUAGES`` are added only where they do not collide.
    """
    table: dict[str, str] = {}

    def add(text, value: str, *, strict: bool) -> None:
        key = _lookup_key(text)
        if not key:
            return
        existing = table.setdefault(key, value)
        if strict and existing != value:
            raise ImproperlyConfigured(
                f"{choices_cls.__name__}: {text!r} maps to both {existing!r} and {value!r}",
            )

    members = list(choices_cls)
    for member in members:
        add(member.value, member.value, strict=True)
    with translation.override(None):  # gettext returns the English source text
        for member in members:
            add(str(member.label), member.value, strict=True)
    for alias, value in CHOICE_ALIASES.get(choices_cls, {}).items():
        add(alias, str(value), strict=True)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for member in members:
                add(str(member.label), member.value, strict=False)
    return table


def choice_from_text(choices_cls: type[models.TextChoices], text) -> str | None:
    """Map text typed in an import file to a choice value, or ``None`` if nothing matches.

    Case-, width-, whitespace- and punctuation-insensitive; accepts the stored
    value ("cold_visit"), the English label ("Cold visit"), the label in any
    configured language, and the Chinese names/short forms in :data:`CHOICE_ALIASES`
    ("陌拜").  Exact matches only; for industries see :func:`industry_from_text`.
    """
    key = _lookup_key(text)
    if not key:
        return None
    return _lookup_table(choices_cls).get(key)


def register_choice_aliases(choices_cls: type[models.TextChoices], aliases: dict[str, str]) -> None:
    """Let a later app's choices (a project's kind, its funding source) be read from and written to files
    like the customer's: the Chinese names people type, the first of them the one files show."""
    CHOICE_ALIASES[choices_cls] = {**CHOICE_ALIASES.get(choices_cls, {}), **aliases}
    _lookup_table.cache_clear()
    _chinese_labels.cache_clear()


@functools.cache
def _chinese_labels(choices_cls) -> dict[str, str]:
    """Choice value -> its first Chinese alias (制造业, 重点, 决策者): what files show and the importer reads."""
    labels: dict[str, str] = {}
    for alias, value in CHOICE_ALIASES.get(choices_cls, {}).items():
        if any("\u4e00" <= char <= "\u9fff" for char in alias):
            labels.setdefault(str(value), alias)
    return labels


def choice_text(choices_cls, value) -> str:
    """A stored choice as written in files: the Chinese name, else the label."""
    if not value:
        return ""
    return _chinese_labels(choices_cls).get(str(value)) or str(choices_cls(value).label)


def choice_names(choices_cls) -> str:
    """Every choice as files write it, for "accepted: …" (制造业、批发和零售业、…)."""
    return "、".join(choice_text(choices_cls, value) for value in choices_cls.values)


# Section code at the start, as in exports from the business registry: "C", "C39", "C39 计算机…", "I-软件…".
_SECTION_CODE_RE = re.compile(r"^(?P<section>[A-T])(?:\d{2,4})?(?=$|[\s:：\-—.、]*[\u4e00-\u9fff])")

# Fallback for the ~100 division (大类) names: first keyword contained in the text wins, so
# more specific sections come first ("农业机械制造" is manufacturing, "建材批发" is trade).
_INDUSTRY_KEYWORDS: tuple[tuple[str, Industry], ...] = (
    ("制造", Industry.MANUFACTURING),
    ("加工", Industry.MANUFACTURING),
    ("制品", Industry.MANUFACTURING),
    ("纺织", Industry.MANUFACTURING),
    ("印刷", Industry.MANUFACTURING),
    ("开采", Industry.MINING),
    ("采选", Industry.MINING),
    ("洗选", Industry.MINING),
    ("矿", Industry.MINING),
    ("电力", Industry.UTILITIES),
    ("热力", Industry.UTILITIES),
    ("燃气", Industry.UTILITIES),
    ("自来水", Industry.UTILITIES),
    ("批发", Industry.WHOLESALE_RETAIL),
    ("零售", Industry.WHOLESALE_RETAIL),
    ("贸易", Industry.WHOLESALE_RETAIL),
    ("运输", Industry.TRANSPORT),
    ("物流", Industry.TRANSPORT),
    ("仓储", Industry.TRANSPORT),
    ("邮政", Industry.TRANSPORT),
    ("快递", Industry.TRANSPORT),
    ("住宿", Industry.HOSPITALITY),
    ("餐饮", Industry.HOSPITALITY),
    ("酒店", Industry.HOSPITALITY),
    ("金融", Industry.FINANCE),
    ("融资", Industry.FINANCE),
    ("银行", Industry.FINANCE),
    ("保险", Industry.FINANCE),
    ("证券", Industry.FINANCE),
    ("软件", Industry.IT),
    ("信息技术", Industry.IT),
    ("互联网", Industry.IT),
    ("信息传输", Industry.IT),
    ("传输", Industry.IT),
    ("电信", Industry.IT),
    ("房地产", Industry.REAL_ESTATE),
    ("物业", Industry.REAL_ESTATE),
    ("建筑", Industry.CONSTRUCTION),
    ("土木工程", Industry.CONSTRUCTION),
    ("装修", Industry.CONSTRUCTION),
    ("安装", Industry.CONSTRUCTION),
    ("租赁", Industry.BUSINESS_SERVICES),
    ("商务服务", Industry.BUSINESS_SERVICES),
    ("咨询", Industry.BUSINESS_SERVICES),
    ("广告", Industry.BUSINESS_SERVICES),
    ("人力资源", Industry.BUSINESS_SERVICES),
    ("研究", Industry.RESEARCH),
    ("试验", Industry.RESEARCH),
    ("技术服务", Industry.RESEARCH),
    ("科技推广", Industry.RESEARCH),
    ("检测", Industry.RESEARCH),
    ("水利", Industry.ENVIRONMENT),
    ("环境", Industry.ENVIRONMENT),
    ("环保", Industry.ENVIRONMENT),
    ("公共设施", Industry.ENVIRONMENT),
    ("居民服务", Industry.RESIDENT_SERVICES),
    ("修理", Industry.RESIDENT_SERVICES),
    ("维修", Industry.RESIDENT_SERVICES),
    ("教育", Industry.EDUCATION),
    ("培训", Industry.EDUCATION),
    ("学校", Industry.EDUCATION),
    ("卫生", Industry.HEALTH),
    ("医疗", Industry.HEALTH),
    ("医院", Industry.HEALTH),
    ("社会工作", Industry.HEALTH),
    ("文化", Industry.CULTURE),
    ("体育", Industry.CULTURE),
    ("娱乐", Industry.CULTURE),
    ("新闻", Industry.CULTURE),
    ("出版", Industry.CULTURE),
    ("影视", Industry.CULTURE),
    ("电影", Industry.CULTURE),
    ("电视", Industry.CULTURE),
    ("录音", Industry.CULTURE),
    ("传媒", Industry.CULTURE),
    ("公共管理", Industry.PUBLIC_ADMINISTRATION),
    ("社会保障", Industry.PUBLIC_ADMINISTRATION),
    ("社会组织", Industry.PUBLIC_ADMINISTRATION),
    ("国家机构", Industry.PUBLIC_ADMINISTRATION),
    ("政府", Industry.PUBLIC_ADMINISTRATION),
    ("国际组织", Industry.INTERNATIONAL),
    ("农", Industry.AGRICULTURE),
    ("林业", Industry.AGRICULTURE),
    ("牧", Industry.AGRICULTURE),
    ("渔", Industry.AGRICULTURE),
    ("manufactur", Industry.MANUFACTURING),
    ("software", Industry.IT),
    ("bank", Industry.FINANCE),
)


def industry_from_text(text) -> str | None:
    """Best-effort mapping of an industry cell in an import file to an :class:`Industry` value.

    1. exact match as in :func:`choice_from_text` ("制造业", "IT", "Manufacturing", "互联网");
    2. a GB/T 4754 code at the start: the section letter decides ("C39 计算机、通信和其他电子设备制造业",
       "I", "F52");
    3. the first keyword contained in the text, for division-level names ("专用设备制造业",
       "软件开发", "道路运输业").

    Returns ``None`` when nothing matches; the importer should then ask the user.
    """
    exact = choice_from_text(Industry, text)
    if exact is not None:
        return exact
    cleaned = unicodedata.normalize("NFKC", "" if text is None else str(text)).strip()
    code = _SECTION_CODE_RE.match(cleaned)
    if code:
        return INDUSTRY_SECTIONS[code.group("section")].value
    key = _lookup_key(cleaned)
    if not key:
        return None
    return next((value.value for keyword, value in _INDUSTRY_KEYWORDS if keyword in key), None)
