"""Normalisation helpers for customers and contacts.

These functions are pure (no database, no settings) and are shared by the
models, forms, the API and the CSV/XLSX importer.  They never raise for odd
input: anything that is not a string is converted with ``str()`` first and
``None`` becomes ``""``.  Validation is a separate step (``accounts.validators``).

Decisions
---------

``normalize_company_name`` produces a *matching key* for duplicate detection,
not a display value:

* 分公司 is **kept**.  A branch (分公司) signs its own contracts, has its own
  credit code and invoice title, so in Chinese B2B practice it is a different
  customer from its head office.  "某某科技有限公司杭州分公司" and
  "某某科技杭州分公司" still match each other (the legal form of the parent part
  is removed), but neither matches "某某科技有限公司".  总公司 (head office) *is*
  stripped: it denotes the parent entity itself.
* A legal form written in brackets is treated like the unbracketed form:
  "杭州某某科技（有限公司）" == "杭州某某科技有限公司" == "杭州某某科技".  The same
  holds for "（集团）", "（有限合伙）", "（特殊普通合伙）".
* Bracketed region markers such as "（中国）", "(上海)", "（浦东新区）",
  "(China)" are removed wherever they occur: 西门子（中国）有限公司 → 西门子.
  Other bracketed text is kept, only the brackets themselves are dropped.
* English legal forms are stripped as whole *words* ("ABC Co., Ltd." → "abc"),
  never as a substring of the preceding word, so "Costco" or "Zinc" survive.
* The result is never empty for a non-blank name: a name that consists only of
  a legal form ("有限公司") keeps it, a name made only of punctuation keeps its
  (NFKC, case-folded, whitespace-free) text.

``normalize_email`` lower-cases the **whole** address.  RFC 5321 allows a
case-sensitive local part, but no mainstream provider in our market (QQ, 163/126,
Tencent Exmail, Alibaba Mail, Gmail, Exchange) treats it that way, and a
case-sensitive key would let "Zhang.San@xx.com" and "zhang.san@xx.com" become two
contacts.
"""

import re
import unicodedata
from functools import lru_cache

from teams.phones import normalize_mobile

__all__ = [
    "normalize_company_name",
    "normalize_credit_code",
    "normalize_email",
    "normalize_mobile",
]

# Zero-width characters that sneak in when copying from web pages, WeChat or Excel.
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def _to_text(value) -> str:
    """``str()`` the value, mapping ``None`` to ``""`` and integral floats (Excel cells) to ints."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _clean(value) -> str:
    """NFKC (full-width → half-width), drop zero-width characters, strip."""
    text = unicodedata.normalize("NFKC", _to_text(value))
    return _INVISIBLE_RE.sub("", text).strip()


# --------------------------------------------------------------------------- company names

# Checked longest first; the first one that leaves a non-empty remainder is removed.
_CN_LEGAL_SUFFIXES = sorted(
    [
        "集团股份有限公司",
        "集团有限公司",
        "股份有限公司",
        "有限责任公司",
        "有限公司",
        "股份公司",
        "总公司",
        "集团",
        "公司",
        "企业",
        "特殊普通合伙",
        "普通合伙",
        "有限合伙",
    ],
    key=len,
    reverse=True,
)

# Whole words only (after case-folding); "co ltd", "company limited" etc. are removed word by word.
_EN_LEGAL_WORDS = frozenset(
    {
        "co",
        "company",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "llc",
        "gmbh",
        "plc",
        "group",
    }
)

_BRANCH = "分公司"
# Where the parent's name ends inside a branch name ("某某科技有限公司|杭州|分公司").
_PARENT_ENDINGS = ("公司", "集团")

# Provincial-level divisions and the larger cities, without their 省/市/自治区 suffix.
_REGIONS = frozenset(
    {
        "中国",
        "中华",
        "大中华",
        "大中华区",
        "中国区",
        "亚洲",
        "亚太",
        "亚太区",
        "全球",
        "国际",
        # provincial-level divisions
        "北京",
        "天津",
        "上海",
        "重庆",
        "河北",
        "山西",
        "辽宁",
        "吉林",
        "黑龙江",
        "江苏",
        "浙江",
        "安徽",
        "福建",
        "江西",
        "山东",
        "河南",
        "湖北",
        "湖南",
        "广东",
        "海南",
        "四川",
        "贵州",
        "云南",
        "陕西",
        "甘肃",
        "青海",
        "台湾",
        "内蒙古",
        "广西",
        "西藏",
        "宁夏",
        "新疆",
        "香港",
        "澳门",
        # larger cities
        "深圳",
        "广州",
        "杭州",
        "南京",
        "苏州",
        "无锡",
        "常州",
        "宁波",
        "温州",
        "绍兴",
        "嘉兴",
        "金华",
        "台州",
        "成都",
        "武汉",
        "西安",
        "厦门",
        "青岛",
        "大连",
        "长沙",
        "郑州",
        "济南",
        "合肥",
        "福州",
        "泉州",
        "沈阳",
        "长春",
        "哈尔滨",
        "昆明",
        "南昌",
        "南宁",
        "贵阳",
        "太原",
        "石家庄",
        "兰州",
        "乌鲁木齐",
        "呼和浩特",
        "海口",
        "珠海",
        "东莞",
        "佛山",
        "中山",
        "惠州",
        "烟台",
        "唐山",
        "徐州",
        "南通",
        "扬州",
        "昆山",
        # English / pinyin forms (already case-folded, spaces removed)
        "china",
        "prc",
        "greaterchina",
        "asia",
        "asiapacific",
        "apac",
        "beijing",
        "shanghai",
        "tianjin",
        "chongqing",
        "shenzhen",
        "guangzhou",
        "hangzhou",
        "nanjing",
        "suzhou",
        "chengdu",
        "wuhan",
        "xiamen",
        "hongkong",
        "hk",
        "macau",
        "taiwan",
    }
)
_REGION_SUFFIX_RE = re.compile(r"^[\u4e00-\u9fff]{1,8}?(?:特别行政区|自治区|自治州|新区|省|市|区|县)$")

# After NFKC, （）［］｛｝ have become ()[]{}; the remaining CJK brackets are listed explicitly.
_OPEN = "([{【〔〖〈《「『"
_CLOSE = ")]}】〕〗〉》」』"
_BRACKETED_RE = re.compile(f"[{re.escape(_OPEN)}]([^{re.escape(_OPEN + _CLOSE)}]*)[{re.escape(_CLOSE)}]")


def _is_separator(char: str) -> bool:
    """Whitespace, punctuation, symbols and control/format characters separate words."""
    return unicodedata.category(char)[0] in "PSZC"


def _squash(text: str) -> str:
    return "".join(char for char in text if not _is_separator(char))


def _words(text: str) -> list[str]:
    words, current = [], []
    for char in text:
        if _is_separator(char):
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        words.append("".join(current))
    return words


def _is_region(key: str) -> bool:
    if key in _REGIONS:
        return True
    for suffix in ("特别行政区", "自治区", "省", "市"):
        if key.endswith(suffix) and key[: -len(suffix)] in _REGIONS:
            return True
    return bool(_REGION_SUFFIX_RE.match(key))


def _is_legal_form(key: str) -> bool:
    return key in _EN_LEGAL_WORDS or key in _CN_LEGAL_SUFFIXES


def _drop_bracketed_markers(text: str) -> str:
    """Remove bracketed region markers and legal forms, unwrap any other bracketed text."""

    def replace(match: re.Match) -> str:
        inner = match.group(1)
        key = _squash(inner)
        if not key or _is_region(key) or _is_legal_form(key) or all(_is_legal_form(w) for w in _words(inner)):
            return " "
        return f" {inner} "

    previous = None
    while previous != text:  # innermost pairs first, so nested brackets work
        previous = text
        text = _BRACKETED_RE.sub(replace, text)
    return text


def _remove_tail(words: list[str], count: int) -> list[str]:
    """Remove ``count`` characters from the end of the concatenated words."""
    words = list(words)
    while count and words:
        last = words.pop()
        if len(last) > count:
            words.append(last[:-count])
            count = 0
        else:
            count -= len(last)
    return words


def _strip_legal_forms(words: list[str]) -> list[str]:
    """Strip legal-form words/suffixes from the end until none is left.

    A name made only of legal forms ("有限公司", "Co., Ltd.") is returned unchanged
    rather than emptied.
    """
    stripped = list(words)
    while stripped:
        if stripped[-1] in _EN_LEGAL_WORDS:
            stripped.pop()
            continue
        joined = "".join(stripped)
        suffix = next((s for s in _CN_LEGAL_SUFFIXES if joined.endswith(s)), None)
        if suffix is None:
            return stripped
        stripped = _remove_tail(stripped, len(suffix))
    return words


@lru_cache(maxsize=65536)  # a pure function of the text; an import asks it several times per row
def normalize_company_name(name) -> str:
    """Return the duplicate-matching key of a company name.

    NFKC, case-fold, drop bracketed region markers and legal forms, remove all
    whitespace and punctuation, then strip legal-form suffixes from the end
    (see the module docstring for the 分公司 and bracket decisions).

    >>> normalize_company_name("西门子（中国）有限公司")
    '西门子'
    >>> normalize_company_name("ABC Co., Ltd.")
    'abc'
    """
    text = _clean(name).casefold()
    if not text:
        return ""
    text = _drop_bracketed_markers(text)
    words = _words(text)
    if not words:  # only punctuation/symbols: keep them rather than return ""
        return "".join(text.split())

    joined = "".join(words)
    if joined.endswith(_BRANCH):
        # Branch: normalise the parent part (up to its last 公司/集团) and keep "<location>分公司".
        body = joined[: -len(_BRANCH)]
        cut = max((body.rfind(s) + len(s) for s in _PARENT_ENDINGS if s in body), default=0)
        if cut:
            parent = "".join(_strip_legal_forms([body[:cut]]))
            return parent + body[cut:] + _BRANCH
        return joined

    return "".join(_strip_legal_forms(words))


# --------------------------------------------------------------------------- phone, e-mail, credit code


def normalize_email(value) -> str:
    """NFKC (full-width ＠ and letters from a Chinese IME become ASCII), strip, lower-case everything.

    Inner whitespace is kept so that validation still rejects "zhang san@qq.com".
    """
    text = _clean(value)
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :].strip()
    return text.lower()


_CREDIT_CODE_SEPARATORS_RE = re.compile(r"[\s\-‐‑‒–—―]+")


def normalize_credit_code(value) -> str:
    """NFKC (full-width → half-width), remove whitespace and hyphens/dashes, upper-case."""
    return _CREDIT_CODE_SEPARATORS_RE.sub("", _clean(value)).upper()


# --------------------------------------------------------------------------- brand core (字号)

# Generic business words that follow the 字号 in a Chinese company name
# ("杭州 云帆 信息科技 有限公司"). Longest first, stripped repeatedly from the end.
_GENERIC_TAILS = sorted(
    {
        "信息科技",
        "信息技术",
        "网络科技",
        "智能科技",
        "数字科技",
        "电子科技",
        "生物科技",
        "医疗科技",
        "科技发展",
        "技术开发",
        "软件开发",
        "科技",
        "技术",
        "网络",
        "软件",
        "信息",
        "数据",
        "智能",
        "数字",
        "电子",
        "贸易",
        "商贸",
        "实业",
        "发展",
        "控股",
        "投资",
        "咨询",
        "服务",
        "管理",
        "工程",
        "建设",
        "建筑",
        "文化",
        "传媒",
        "广告",
        "制造",
        "机械",
        "设备",
        "器材",
        "材料",
        "新材料",
        "能源",
        "新能源",
        "环保",
        "物流",
        "供应链",
        "国际",
        "电气",
        "自动化",
        "医疗",
        "医药",
        "生物",
        "食品",
        "餐饮",
        "教育",
        "培训",
        "置业",
        "地产",
        "房地产",
        "物业",
        "金融",
        "保险",
        "汽车",
        "仪器",
        "仪表",
        "化工",
        "纺织",
        "服饰",
        "电器",
        "通信",
        "网络技术",
        "系统",
        "集成",
        "营销",
        "策划",
        "设计",
        "安装",
        "运输",
        "煤矿",
        "煤业",
        "矿业",
        "钢铁",
        "水泥",
        "电力",
        "银行",
        "证券",
        "农业",
        "科学",
        "研究院",
        "研究所",
    },
    key=len,
    reverse=True,
)


_NATIONAL_PREFIXES = ["中国", "中华", "全国"]


def _region_prefixes() -> list[str]:
    from accounts import regions  # the region table is loaded lazily, on first use

    return regions.short_names()


@lru_cache(maxsize=65536)
def company_core(name) -> str:
    """The 字号 (brand core) of a company name, for "same company, other spelling" matching:
    the normalised name without leading region names and trailing generic business words.

    >>> company_core("杭州云帆信息科技有限公司"), company_core("云帆科技（杭州）有限公司")
    ('云帆', '云帆')

    Falls back to the normalised name when fewer than two characters would remain.
    """
    normalized = normalize_company_name(name)
    if not normalized or normalized.isascii():
        return normalized
    prefixes = [*_region_prefixes(), *_NATIONAL_PREFIXES]
    core = _strip_repeatedly(normalized, prefixes, from_start=True)
    core = _strip_repeatedly(core, _GENERIC_TAILS, from_start=False)
    if len(core) < 2 or core in _GENERIC_TAILS or core in prefixes:
        return normalized
    return core


@lru_cache(maxsize=8)
def _alternation(words: tuple[str, ...], from_start: bool) -> re.Pattern:
    body = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(f"^(?:{body})" if from_start else f"(?:{body})$")


def _strip_repeatedly(text: str, words, *, from_start: bool) -> str:
    """Strip any of ``words`` from one end while at least two characters remain
    (one compiled alternation instead of a loop over hundreds of place names)."""
    pattern = _alternation(tuple(words), from_start)
    while True:
        match = pattern.search(text)
        if not match or len(text) - len(match.group()) < 2:
            return text
        text = text[match.end() :] if from_start else text[: match.start()]
