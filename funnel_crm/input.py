"""Input that no view can store: a NUL character (PostgreSQL text cannot hold
0x00, psycopg2 raises ValueError) is refused as bad input: query strings and
forms by ``funnel_crm.middleware``, JSON bodies by ``funnel_crm.parsers``."""

from django.utils.translation import gettext as _

NUL = "\x00"


def nul_message():
    return _("Text cannot contain NUL (0x00) characters.")
