"""accounts.validators: credit code, phone numbers, WeChat ID and free text (no database)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from stdnum.cn import uscc

from accounts.validators import (
    validate_credit_code,
    validate_landline,
    validate_mobile,
    validate_no_control_chars,
    validate_wechat_id,
)


def assert_rejected(validator, value, code, *phrases):
    """The validator raises with ``code``; the English message contains every phrase (case-insensitive)."""
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    error = excinfo.value
    assert error.code == code
    with translation.override("en"):
        message = " ".join(error.messages)
    for phrase in phrases:
        assert phrase.lower() in message.lower(), message


# --- 统一社会信用代码 ----------------------------------------------------------------------------------------------

# Published codes of well-known companies; the check digit is correct.
KNOWN_VALID_CREDIT_CODES = [
    "91110000802100433B",
    "914403001922038216",  # 华为技术有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
]

# Bodies (first 17 characters) of realistic codes: company, individual business, social organisation,
# public institution, a body containing letters, and a rural collective (authority N).
CREDIT_CODE_BODIES = [
    "91330106MA2KXXXX1",
    "92440300L12345678",
    "51110000500000123",
    "12100000400000123",
    "91310115MA1H7GTQ4",
    "N2330110MF0000012",
]


def with_check_digit(body):
    return body + uscc.calc_check_digit(body)


def wrong_check_digit(code):
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return code[:-1] + alphabet[(alphabet.index(code[-1]) + 1) % len(alphabet)]


@pytest.mark.parametrize("code", KNOWN_VALID_CREDIT_CODES)
def test_known_public_credit_codes_are_valid(code):
    validate_credit_code(code)


@pytest.mark.parametrize("body", CREDIT_CODE_BODIES)
def test_credit_codes_with_a_computed_check_digit_are_valid(body):
    validate_credit_code(with_check_digit(body))


@pytest.mark.parametrize(
    "code",
    [
        "91110000802100433b",
        "9111 0000 8021 0043 3B",
        "91110000-802100433-B",
        "９１１１００００８０２１００４３３Ｂ",
        " 91110000802100433B ",
    ],
)
def test_credit_code_tolerates_case_spaces_hyphens_and_full_width(code):
    validate_credit_code(code)


def test_registration_authority_letters_are_accepted_although_stdnum_rejects_them():
    code = with_check_digit("N2330110MF0000012")
    assert not uscc.is_valid(code)  # stdnum insists on 8 leading digits
    validate_credit_code(code)


@pytest.mark.parametrize("code", [*KNOWN_VALID_CREDIT_CODES, *map(with_check_digit, CREDIT_CODE_BODIES)])
def test_credit_code_with_a_wrong_check_digit_is_rejected(code):
    assert_rejected(validate_credit_code, wrong_check_digit(code), "credit_code_checksum", "check digit")


def test_hard_coded_credit_code_with_wrong_check_digit_is_rejected():
    assert_rejected(validate_credit_code, "91110000802100433C", "credit_code_checksum", "check digit")


@pytest.mark.parametrize(
    ("code", "length"),
    [
        ("91110000802100433", 17),
        ("91110000802100433BB", 19),
        ("110000802100433", 15),  # the old 15-digit business licence number
        ("", 0),
    ],
)
def test_credit_code_with_wrong_length_is_rejected(code, length):
    assert_rejected(validate_credit_code, code, "credit_code_length", "18 characters", f"has {length}")


@pytest.mark.parametrize(
    ("code", "offending"),
    [
        ("9111000080210043IB", "I"),
        ("91110000802100O33B", "O"),
        ("91110000S02100433B", "S"),
        ("911100008021V0433Z", "V, Z"),
        ("91110000802100433号", "号"),
        ("9111000080210043.B", "."),
        ("统一社会信用代码", "统, 一, 社, 会, 信, 用, 代, 码"),
    ],
)
def test_credit_code_with_invalid_characters_names_them(code, offending):
    assert_rejected(validate_credit_code, code, "credit_code_invalid_chars", "may only contain", offending)


@pytest.mark.parametrize("body", ["01110000802100433", "9111000A802100433", "B1110000802100433"])
def test_credit_code_must_start_with_authority_and_seven_digits(body):
    assert_rejected(validate_credit_code, with_check_digit(body), "credit_code_format", "first 8 characters")


# --- mobile ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "15900001111",
        "16612345678",
        "17712345678",
        "18612345678",
        "19912345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "008613812345678",
        "8613812345678",
        "86-138-1234-5678",
        "１３８１２３４５６７８",
    ],
)
def test_valid_mobile_numbers(value):
    validate_mobile(value)


@pytest.mark.parametrize(
    ("value", "code", "phrase"),
    [
        ("12812345678", "mobile_prefix", "starts with 12"),
        ("10086123456", "mobile_prefix", "13–19"),
        ("1381234567", "mobile_length", "has 10"),
        ("138123456789", "mobile_length", "has 12"),
        ("+86 138 1234 567", "mobile_length", "11 digits"),
        ("010-12345678", "mobile_is_landline", "landline"),
        ("057188887777", "mobile_is_landline", "landline"),
        ("138.1234.5678", "mobile_invalid_chars", "only contain digits"),
        ("138 1234 5678 转 1", "mobile_invalid_chars", "only contain digits"),
        ("手机13812345678", "mobile_invalid_chars", "only contain digits"),
        ("", "mobile_length", "has 0"),
    ],
)
def test_invalid_mobile_numbers_explain_the_problem(value, code, phrase):
    assert_rejected(validate_mobile, value, code, phrase)


def test_mobile_messages_repeat_the_expected_format():
    assert_rejected(validate_mobile, "1381234567", "mobile_length", "Enter a mainland China mobile number")


# --- landline ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "010-12345678",
        "01012345678",
        "021-61234567",
        "0571 8888 7777",
        "0571-88887777",
        "0571-8888-7777",
        "(0571)88887777",
        "（0571）88887777",
        "(0571) 8888 7777",
        "0755-8765432",
        "+86 571 88887777",
        "+86-10-12345678",
        "+86 (0)571 88887777",
        "0086 571 88887777",
        "0571-88887777转123",
        "0571-88887777 转 8001",
        "010-12345678-123",
        "010-12345678 ext. 42",
        "010-12345678 EXT 42",
        "010-12345678x42",
        "010-12345678分机 6",
        "400-810-8888",
        "4008108888",
        "400 810 8888",
        "800-820-8820",
        "400-810-8888转2",
    ],
)
def test_valid_landline_numbers(value):
    validate_landline(value)


@pytest.mark.parametrize("value", ["88887777", "8888-7777", "6123456", "88887777转123", "+86 88887777"])
def test_landline_without_area_code_says_the_area_code_is_missing(value):
    assert_rejected(validate_landline, value, "landline_no_area_code", "area code is missing")


@pytest.mark.parametrize(
    ("value", "code", "phrase"),
    [
        ("13812345678", "landline_is_mobile", "mobile number"),
        ("+86 138 1234 5678", "landline_is_mobile", "mobile field"),
        ("0571-888877", "landline_invalid", "area code"),
        ("0571-888877777", "landline_invalid", "7–8 digits"),
        ("571-88887777", "landline_invalid", "area code"),
        ("400-810-888", "landline_invalid", "400/800"),
        ("010-12345678转1234567", "landline_extension", "1–6 digits"),
        ("0571-88887777 ext 1234567", "landline_extension", "has 7"),
        ("0138-12345678", "landline_invalid", "area code"),  # 013x is not an area code
        ("电话010-12345678", "landline_invalid_chars", "only contain digits"),
        ("010-1234567a", "landline_invalid_chars", "only contain digits"),
    ],
)
def test_invalid_landline_numbers_explain_the_problem(value, code, phrase):
    assert_rejected(validate_landline, value, code, phrase)


# --- WeChat ID ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "zhangsan",
        "wxid_abc123",
        "Li-Si_2024",
        "abcdef",  # 6: the minimum
        "a" + "b" * 19,  # 20: the maximum
        "ZS13812345678",
        "13812345678",  # phone number used as WeChat ID
        "+86 138 1234 5678",
    ],
)
def test_valid_wechat_ids(value):
    validate_wechat_id(value)


@pytest.mark.parametrize(
    ("value", "code", "phrase"),
    [
        ("zhang san", "wechat_spaces", "spaces are not allowed"),
        ("zhangsan ", "wechat_spaces", "spaces are not allowed"),
        ("zhang\tsan", "wechat_spaces", "spaces are not allowed"),
        ("张三的微信", "wechat_invalid_chars", "张, 三, 的, 微, 信"),
        ("zhang.san", "wechat_invalid_chars", "."),
        ("zhangsan@qq", "wechat_invalid_chars", "@"),
        ("abcde", "wechat_length", "has 5"),
        ("a" * 21, "wechat_length", "has 21"),
        ("1zhangsan", "wechat_start", "start with a letter"),
        ("_zhangsan", "wechat_start", "start with a letter"),
        ("-zhangsan", "wechat_start", "start with a letter"),
        ("123456789", "wechat_not_mobile", "mobile number"),  # a QQ number is not a WeChat ID
        ("12812345678", "wechat_not_mobile", "start with a letter"),
    ],
)
def test_invalid_wechat_ids_explain_the_problem(value, code, phrase):
    assert_rejected(validate_wechat_id, value, code, phrase)


# --- free text ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "客户对价格敏感，下周再跟进。",
        "第一行\n第二行",
        "Windows 换行\r\n第二行",
        "列1\t列2",
        "<b>重点</b> & <script>alert(1)</script>",  # HTML is stored as typed, escaped on output
        "emoji 👨‍👩‍👧 with zero-width joiners",
        "",
    ],
)
def test_free_text_allows_newlines_tabs_and_html(value):
    validate_no_control_chars(value)


@pytest.mark.parametrize(
    ("value", "char", "position"),
    [
        ("abc\x00def", "U+0000", 4),
        ("\x07bell", "U+0007", 1),
        ("备注\x1b[31m", "U+001B", 3),
        ("delete\x7f", "U+007F", 7),
        ("c1\x85control", "U+0085", 3),
        ("lone \ud800 surrogate", "U+D800", 6),
    ],
)
def test_free_text_rejects_control_characters_and_says_where(value, char, position):
    assert_rejected(validate_no_control_chars, value, "control_characters", "control character", char, f"{position}")
