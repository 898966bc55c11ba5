"""Optimistic locking: every edit carries the version it was opened at."""

from django.utils.translation import gettext as _

from teams.errors import ConflictError


def _as_version(value):
    """A version as a form or a client sent it; anything but a whole number matches no version."""
    text = str(value).strip()
    return int(text) if text.isdigit() else None


def check_version(*, current: int, expected: int | None, current_data: dict) -> None:
    """Refuse a save made on a stale copy: ``ConflictError`` (409) carrying the stored
    ``version`` and field values (``current``), so the user can compare and save again.
    No ``expected`` version means the client does not ask for the check."""
    if expected is not None and _as_version(expected) != current:
        raise ConflictError(
            _("Someone else saved this record after you opened it. Review their version and apply your changes again."),
            data={"current": current_data, "version": current},
            code="stale_version",
        )
