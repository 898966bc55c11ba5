"""Mainland China mobile numbers: the validator and the normal form every app stores (users here; customers'
contacts in accounts, which re-exports them). A lower app than accounts, so the user forms and API can use them."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MOBILE_RE = re.compile(r"^(?:\+86|0086|86)?(1[3-9]\d{9})$")
_MOBILE_ALLOWED_RE = re.compile(r"^\+?\d*$")
_COUNTRY_PREFIXES = ("0086", "86")

MOBILE_MESSAGE = _("Enter a mainland China mobile number: 11 digits starting with 13–19, optionally with +86.")


def _as_text(value) -> str:
    """``str()`` the value, ``None`` as ``""`` and integral floats (how Excel hands over a number cell) as ints."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _compact(value) -> str:
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", _as_text(value)).strip())


def mobile_digits(value) -> str | None:
    """The 11-digit mobile number if ``value`` is one, else ``None``. Spaces and hyphens are tolerated."""
    match = _MOBILE_RE.match(_compact(value))
    return match.group(1) if match else None


def validate_mobile(value):
    """Validate a mainland China mobile number (1[3-9] + 9 digits, optional +86/0086/86, spaces and hyphens OK)."""
    if mobile_digits(value) is not None:
        return
    text = _compact(value)
    if not _MOBILE_ALLOWED_RE.match(text):
        raise ValidationError(
            _(
                "A mobile number may only contain digits, spaces, hyphens and a leading +86. %(hint)s",
            ),
            code="mobile_invalid_chars",
            params={"hint": MOBILE_MESSAGE},
        )
    national = re.sub(r"^(?:\+86|0086)", "", text)
    if len(national) == 13 and national.startswith("86"):
        national = national[2:]
    if national.startswith("0"):
        raise ValidationError(
            _(
                "This looks like a landline number (it starts with 0); a mainland China mobile number starts "
                "with 13–19. Enter landlines in the landline field."
            ),
            code="mobile_is_landline",
        )
    if len(national) != 11:
        raise ValidationError(
            _("A mainland China mobile number has 11 digits; this one has %(count)d. %(hint)s"),
            code="mobile_length",
            params={"count": len(national), "hint": MOBILE_MESSAGE},
        )
    raise ValidationError(
        _("A mainland China mobile number starts with 13–19; this one starts with %(prefix)s. %(hint)s"),
        code="mobile_prefix",
        params={"prefix": national[:2], "hint": MOBILE_MESSAGE},
    )


def normalize_mobile(value) -> str:
    """Digits only; a +86 / 0086 / 86 prefix is removed when 11 digits remain.

    Integral floats (how Excel hands over a number cell) are accepted:
    ``13812345678.0`` → ``"13812345678"``.  The result is not validated.
    """
    text = unicodedata.normalize("NFKC", _as_text(value))
    digits = "".join(char for char in text if char.isascii() and char.isdigit())
    for prefix in _COUNTRY_PREFIXES:
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix) :]
    return digits
