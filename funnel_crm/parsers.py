"""The API's JSON parser: DRF's, made safe against bodies that break it."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

from funnel_crm.input import NUL, nul_message

# Deeper than any request body of this API needs, shallow enough that walking it is cheap.
MAX_DEPTH = 64


class SafeJSONParser(JSONParser):
    """JSON bodies nested too deeply (``[`` × 3000 exhausts Python's recursion limit)
    answer 400 instead of 500, and a NUL character, which PostgreSQL cannot store,
    is refused as bad input naming the field."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise _too_deep() from error
        check_json(data)
        return data


def _too_deep():
    return ParseError(_("JSON parse error - nested more than %(depth)s levels.") % {"depth": MAX_DEPTH})


def check_json(data):
    """Raise ParseError past MAX_DEPTH, ValidationError (naming the field) for a NUL
    character in any key or string. Iterative, so depth itself cannot overflow it."""
    pending = [(data, "", 1)]
    while pending:
        value, path, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise _too_deep()
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        else:
            if isinstance(value, str) and NUL in value:
                raise ValidationError({path or "non_field_errors": [nul_message()]})
            continue
        for key, item in items:
            if isinstance(key, str) and NUL in key:
                raise ValidationError({"non_field_errors": [nul_message()]})
            pending.append((item, f"{path}.{key}" if path else str(key), depth + 1))
