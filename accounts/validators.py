"""Django validators for customer and contact fields.

Every validator is a plain callable that raises
:class:`django.core.exceptions.ValidationError` with a ``code`` (so the API and
the importer can react to the kind of problem) and an English source message
wrapped in ``gettext_lazy``.

The validators accept the formats people actually type (spaces, hyphens,
full-width characters, +86 prefixes); storing a canonical form is the job of
``accounts.normalize``.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc

from accounts.normalize import normalize_credit_code
from teams.phones import mobile_digits as _mobile_digits
from teams.phones import validate_mobile

__all__ = [
    "validate_credit_code",
    "validate_landline",
    "validate_mobile",
    "validate_no_control_chars",
    "validate_wechat_id",
]


def _as_text(value) -> str:
    return "" if value is None else str(value)


def _quote_chars(chars) -> str:
    """Distinct offending characters in order of appearance, e.g. "I, O"."""
    return ", ".join(dict.fromkeys(chars))


# --------------------------------------------------------------------------- 统一社会信用代码

CREDIT_CODE_LENGTH = 18
# GB 32100-2015 alphabet: digits and upper-case letters without I, O, S, V, Z.
_CREDIT_CODE_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
# Position 1 is the registration authority: 1–9, A (编制 of the military), N (agriculture), Y (other).
_CREDIT_CODE_HEAD_RE = re.compile(r"^[1-9ANY][0-9]{7}")


def validate_credit_code(value):
    """Validate a unified social credit code (统一社会信用代码, GB 32100-2015).

    Spaces, hyphens, lower case and full-width characters are tolerated (they are
    removed by :func:`accounts.normalize.normalize_credit_code`).  The check digit
    is computed with ``stdnum.cn.uscc``.  Unlike ``uscc.validate`` the
    registration-authority letters A, N and Y are accepted in position 1 (e.g.
    农村集体经济组织 codes start with N).
    """
    code = normalize_credit_code(value)
    bad = [char for char in code if char not in _CREDIT_CODE_ALPHABET]
    if bad:
        raise ValidationError(
            _(
                "A unified social credit code may only contain digits and the upper-case letters A–Y "
                "except I, O, S, V and Z; remove or correct: %(chars)s."
            ),
            code="credit_code_invalid_chars",
            params={"chars": _quote_chars(bad)},
        )
    if len(code) != CREDIT_CODE_LENGTH:
        raise ValidationError(
            _("A unified social credit code has exactly 18 characters; this one has %(length)d."),
            code="credit_code_length",
            params={"length": len(code)},
        )
    if not _CREDIT_CODE_HEAD_RE.match(code):
        raise ValidationError(
            _(
                "The first 8 characters of a unified social credit code must be the registration authority "
                "(1–9, A, N or Y) followed by 7 digits (entity type and region code)."
            ),
            code="credit_code_format",
        )
    if code[-1] != uscc.calc_check_digit(code[:-1]):
        raise ValidationError(
            _(
                "The check digit (the last character) of this unified social credit code does not match; "
                "check the code for typing errors."
            ),
            code="credit_code_checksum",
        )


# --------------------------------------------------------------------------- phone numbers

_PHONE_SEPARATORS_RE = re.compile(r"[\s\-.()]")
# Extension: 转 / 分机 / ext / x / # / - followed by digits at the very end (1–6 digits are valid).
_EXTENSION_RE = re.compile(r"^(?P<number>.*?)\s*(?:转|分机|ext\.?|x|#|-)\s*(?P<ext>\d+)$", re.IGNORECASE)
EXTENSION_MAX_DIGITS = 6
# Area codes: 010 and 020–029 (Beijing, Shanghai, Guangzhou, …) have 3 digits, all others 4 (03xx–09xx).
_AREA = r"(?:10|2\d|[3-9]\d{2})"
_DOMESTIC_RE = re.compile(rf"^0{_AREA}\d{{7,8}}$")
_INTERNATIONAL_RE = re.compile(rf"^(?:\+|00)86(?:0)?{_AREA}\d{{7,8}}$")
_SERVICE_RE = re.compile(r"^[48]00\d{7}$")  # 400-xxx-xxxx / 800-xxx-xxxx
_LOCAL_ONLY_RE = re.compile(r"^[1-9]\d{6,7}$")
_LANDLINE_ALLOWED_RE = re.compile(r"^\+?\d+$")


def _compact_phone(number: str) -> str:
    return _PHONE_SEPARATORS_RE.sub("", number)


def _landline_main_part_is_valid(number: str) -> bool:
    compact = _compact_phone(number)
    return bool(_DOMESTIC_RE.match(compact) or _INTERNATIONAL_RE.match(compact) or _SERVICE_RE.match(compact))


def validate_landline(value):
    """Validate a fixed-line number with area code, or a 400/800 service number.

    Accepted: "010-12345678", "0571 8888 7777", "(0571)88887777", "+86 571 88887777",
    "0571-88887777转123", "010-12345678 ext 8", "400-810-8888".  Area codes are
    010 and 020–029 (0 + 2 digits) or 03xx–09xx (0 + 3 digits); the local number has
    7–8 digits; an extension 1–6 digits.
    """
    text = unicodedata.normalize("NFKC", _as_text(value)).strip()
    if _landline_main_part_is_valid(text):
        return
    match = _EXTENSION_RE.match(text)
    if match and len(match.group("ext")) <= EXTENSION_MAX_DIGITS and _landline_main_part_is_valid(match["number"]):
        return

    # Diagnose: look at the whole text and at the text without what may be an extension.
    candidates = [_compact_phone(text)]
    if match:
        candidates.append(_compact_phone(match.group("number")))
    national = [re.sub(r"^(?:\+|00)86", "", candidate) for candidate in candidates]

    if not any(_LANDLINE_ALLOWED_RE.match(candidate) for candidate in candidates):
        raise ValidationError(
            _(
                "A landline number may only contain digits, spaces, hyphens, brackets, a leading +86 and "
                "an extension (转, ext or x followed by 1–6 digits)."
            ),
            code="landline_invalid_chars",
        )
    if any(_LOCAL_ONLY_RE.match(number) for number in national):
        raise ValidationError(
            _("The area code is missing: enter the number with its area code, e.g. 010-12345678 or 0571-88887777."),
            code="landline_no_area_code",
        )
    if any(_mobile_digits(candidate) is not None for candidate in candidates):
        raise ValidationError(
            _(
                "This is a mobile number; enter it in the mobile field. "
                "A landline needs an area code, e.g. 010-12345678."
            ),
            code="landline_is_mobile",
        )
    if match and _landline_main_part_is_valid(match["number"]):
        raise ValidationError(
            _("An extension has 1–6 digits; this one has %(count)d."),
            code="landline_extension",
            params={"count": len(match.group("ext"))},
        )
    raise ValidationError(
        _(
            "Enter a landline number with its area code (010, 020–029 or a 4-digit code such as 0571, then "
            "7–8 digits, e.g. 010-12345678 or 0571-88887777, extension optional) or a 400/800 number such "
            "as 400-810-8888."
        ),
        code="landline_invalid",
    )


# --------------------------------------------------------------------------- WeChat ID

_WECHAT_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
WECHAT_MIN_LENGTH = 6
WECHAT_MAX_LENGTH = 20


def validate_wechat_id(value):
    """Validate a WeChat ID (微信号): 6–20 characters, starts with a letter, letters/digits/_/- only.

    A mainland mobile number is accepted too: many people use their phone number as WeChat ID.
    """
    text = _as_text(value)
    if _mobile_digits(text) is not None:
        return
    if any(char.isspace() for char in text):
        raise ValidationError(
            _("Spaces are not allowed in a WeChat ID."),
            code="wechat_spaces",
        )
    bad = [char for char in text if char not in _WECHAT_ALLOWED]
    if bad:
        raise ValidationError(
            _(
                "A WeChat ID may only contain letters a–z, digits, underscores (_) and hyphens (-); "
                "not allowed: %(chars)s."
            ),
            code="wechat_invalid_chars",
            params={"chars": _quote_chars(bad)},
        )
    if text.isdigit():
        raise ValidationError(
            _(
                "A WeChat ID must start with a letter; a number is only accepted if it is a mainland China "
                "mobile number (11 digits starting with 13–19)."
            ),
            code="wechat_not_mobile",
        )
    if not WECHAT_MIN_LENGTH <= len(text) <= WECHAT_MAX_LENGTH:
        raise ValidationError(
            _("A WeChat ID has 6–20 characters; this one has %(length)d."),
            code="wechat_length",
            params={"length": len(text)},
        )
    if not text[0].isascii() or not text[0].isalpha():
        raise ValidationError(
            _("A WeChat ID must start with a letter (a–z or A–Z)."),
            code="wechat_start",
        )


# --------------------------------------------------------------------------- free text

_ALLOWED_CONTROL_CHARS = frozenset("\n\r\t")


def validate_no_control_chars(value):
    """Reject NUL and other control characters in free text; newline, carriage return and tab are allowed.

    Carriage return is allowed because browsers submit textarea line breaks as CRLF.
    Lone surrogates (which cannot be stored as UTF-8) are rejected too.  HTML is
    fine: it is stored as typed and escaped on output.
    """
    if not isinstance(value, str):
        return
    for position, char in enumerate(value, start=1):
        if char in _ALLOWED_CONTROL_CHARS:
            continue
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise ValidationError(
                _(
                    "The text contains an invisible control character (%(char)s at position %(position)d); "
                    "remove it, e.g. by retyping the text instead of pasting it."
                ),
                code="control_characters",
                params={"char": f"U+{ord(char):04X}", "position": position},
            )
