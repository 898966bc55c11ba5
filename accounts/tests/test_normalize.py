"""accounts.normalize: matching keys for company names, phone numbers, e-mail and credit codes (no database)."""

import pytest

from accounts.normalize import normalize_company_name, normalize_credit_code, normalize_email, normalize_mobile

# --- company names: spellings of the same customer share one key -------------------------------------------------

SAME_COMPANY = [
    (
        "杭州某某科技",
        [
            "杭州某某科技有限公司",
            "杭州某某科技",
            " 杭州某某科技 有限公司 ",
            "杭州某某科技（有限公司）",
            "杭州某某科技(有限公司)",
            "杭州某某科技有限责任公司",
            "杭州某某科技股份有限公司",
            "杭州某某科技　有限公司",  # ideographic space
            "杭州某某科技 有限 公司",
            "杭州某某科技公司",
            "\u200b杭州某某科技有限公司\ufeff",  # zero-width characters from copy & paste
        ],
    ),
    ("abc", ["ABC Co., Ltd.", "abc", "ＡＢＣ Inc", "ABC Co.,Ltd", "ABC Company Limited", "A.B.C. Ltd", "abc LLC"]),
    ("abc", ["ABC (Shanghai) Co., Ltd.", "ABC (China) Inc.", "ABC GmbH", "ABC Group", "ABC Corp.", "ABC plc"]),
    ("西门子", ["西门子（中国）有限公司", "西门子(中国)有限公司", "西门子有限公司", "西门子【中国】"]),
    ("阿里巴巴网络技术", ["阿里巴巴（中国）网络技术有限公司", "阿里巴巴网络技术有限公司", "阿里巴巴(上海市)网络技术"]),
    ("中国平安保险", ["中国平安保险（集团）股份有限公司", "中国平安保险集团股份有限公司", "中国平安保险集团"]),
    (
        "某某",
        ["某某集团有限公司", "某某集团", "某某（集团）有限公司", "某某企业", "某某总公司", "某某集团股份有限公司"],
    ),
    ("某某会计师事务所", ["某某会计师事务所（特殊普通合伙）", "某某会计师事务所(普通合伙)", "某某会计师事务所"]),
    ("某某股权投资基金", ["某某股权投资基金（有限合伙）", "某某股权投资基金有限合伙"]),
    ("苏州某某电子", ["苏州·某某电子有限公司", "苏州・某某电子", "苏州-某某电子有限公司", "“苏州某某电子”有限公司"]),
    ("某某科技杭州分公司", ["某某科技有限公司杭州分公司", "某某科技杭州分公司", "某某科技有限公司 杭州 分公司"]),
    ("某某杭州分公司", ["某某集团有限公司杭州分公司", "某某集团杭州分公司"]),
    ("某某广告传媒", ["某某（广告）传媒有限公司", "某某广告传媒"]),
]


@pytest.mark.parametrize(("key", "spellings"), SAME_COMPANY, ids=[group[0] for group in SAME_COMPANY])
def test_spellings_of_one_company_share_the_expected_key(key, spellings):
    assert {spelling: normalize_company_name(spelling) for spelling in spellings} == dict.fromkeys(spellings, key)


DIFFERENT_COMPANIES = [
    # A branch (分公司) is its own customer: own contracts, credit code and invoice title.
    ("某某科技有限公司", "某某科技有限公司杭州分公司"),
    ("某某科技有限公司杭州分公司", "某某科技有限公司宁波分公司"),
    # English legal forms are whole words, never the tail of another word.
    ("Costco", "Cost"),
    ("Zinc", "Z"),
    ("Pepsico", "Pepsi"),
    ("Bancorp", "Ban"),
    # Bracketed text that is neither a region nor a legal form is content.
    ("某某（广告）传媒", "某某传媒"),
    ("某某电子", "某某电器"),
]


@pytest.mark.parametrize(("first", "second"), DIFFERENT_COMPANIES)
def test_different_companies_get_different_keys(first, second):
    assert normalize_company_name(first) != normalize_company_name(second)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("有限公司", "有限公司"),
        ("集团有限公司", "集团有限公司"),
        ("股份有限公司", "股份有限公司"),
        ("公司", "公司"),
        ("分公司", "分公司"),
        ("Co., Ltd.", "coltd"),
        ("Limited", "limited"),
        ("（中国）有限公司", "有限公司"),
        ("！！！", "!!!"),
        ("···", "···"),
    ],
)
def test_a_name_made_only_of_a_legal_form_or_punctuation_is_never_emptied(name, expected):
    assert normalize_company_name(name) == expected


@pytest.mark.parametrize("name", ["", "   ", "\u3000", None, "\t\n"])
def test_blank_names_normalise_to_empty(name):
    assert normalize_company_name(name) == ""


def test_company_key_is_casefolded_and_width_folded():
    assert normalize_company_name("ＨＵＡＷＥＩ　Technologies") == "huaweitechnologies"
    assert normalize_company_name("STRASSE GmbH") == normalize_company_name("straße")


def test_every_group_key_is_a_fixed_point():
    """Normalising a key again does not change it (keys can be stored and re-normalised safely)."""
    for key, _spellings in SAME_COMPANY:
        assert normalize_company_name(key) == key


# --- mobile ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+86-13812345678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("(+86)13812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits from a Chinese IME
        (13812345678, "13812345678"),
        (13812345678.0, "13812345678"),  # an Excel number cell
        # The prefix is only removed when exactly 11 digits remain.
        ("861381234567", "861381234567"),
        ("86 1381234567", "861381234567"),
        ("0571-88887777", "057188887777"),
        ("", ""),
        (None, ""),
        ("无", ""),
    ],
)
def test_normalize_mobile(value, expected):
    assert normalize_mobile(value) == expected


# --- e-mail ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zhangsan@qq.com", "zhangsan@qq.com"),
        ("  ZhangSan@QQ.COM  ", "zhangsan@qq.com"),
        ("Zhang.San@Company.COM.CN", "zhang.san@company.com.cn"),
        ("zhangsan＠163.com", "zhangsan@163.com"),  # full-width @ typed with a Chinese IME
        ("ｚｈａｎｇｓａｎ@126.com", "zhangsan@126.com"),
        ("mailto:Li.Si@Example.com", "li.si@example.com"),
        ("\u200bwangwu@sina.com", "wangwu@sina.com"),
        ("zhang san@qq.com", "zhang san@qq.com"),  # inner space kept, so validation still rejects it
        (None, ""),
        ("", ""),
    ],
)
def test_normalize_email_lower_cases_the_whole_address(value, expected):
    assert normalize_email(value) == expected


# --- credit code -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("91110000802100433B", "91110000802100433B"),
        ("91110000802100433b", "91110000802100433B"),
        (" 9111 0000 8021 0043 3B ", "91110000802100433B"),
        ("911100-00802100433-B", "91110000802100433B"),
        ("９１１１００００８０２１００４３３Ｂ", "91110000802100433B"),
        ("91110000802100433—B", "91110000802100433B"),
        ("91110000802100433－B", "91110000802100433B"),
        (None, ""),
    ],
)
def test_normalize_credit_code(value, expected):
    assert normalize_credit_code(value) == expected
