"""Reading and changing the company settings (``teams.settings_models``)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from teams.audit import AuditAction, audit_record
from teams.errors import ConflictError, validated
from teams.models import CompanySettings, User
from teams.versioning import check_version


def company_settings() -> CompanySettings:
    """The settings in force: the newest version, or the environment's defaults (version 0)."""
    return CompanySettings.objects.order_by("-version").first() or CompanySettings.initial()


def _stored(row: CompanySettings) -> dict:
    return {name: _plain(getattr(row, name)) for name in CompanySettings.EDITABLE}


def _plain(value):
    return value.isoformat(timespec="minutes") if hasattr(value, "isoformat") else value


def company_settings_update(*, actor: User, version, request=None, **values) -> CompanySettings:
    """Save a new version of the settings from the one the admin opened (``version``).
    Refused with a conflict (409) when someone saved in between; nothing changes when no
    value differs. Each change is in the audit log with every field before and after."""
    unknown = set(values) - set(CompanySettings.EDITABLE)
    if unknown:
        raise TypeError(f"company_settings_update() got unexpected fields: {sorted(unknown)}")
    try:
        with transaction.atomic():
            current = company_settings()
            check_version(current=current.version, expected=version, current_data=_stored(current))
            row = CompanySettings(
                **{name: values.get(name, getattr(current, name)) for name in CompanySettings.EDITABLE},
                version=current.version + 1,
                changed_by=actor,
            )
            # The version's uniqueness is the database's to enforce (below), not a pre-check that races.
            validated(row, exclude=["changed_by", "version"])
            changes = {
                name: {"old": _plain(getattr(current, name)), "new": _plain(getattr(row, name))}
                for name in CompanySettings.EDITABLE
                if getattr(row, name) != getattr(current, name)
            }
            if not changes:
                return current
            row.save(force_insert=True)
            audit_record(
                actor=actor,
                action=AuditAction.SETTINGS_CHANGED,
                target=row,
                summary=_("Company settings version %(version)s") % {"version": row.version},
                detail={"kind": "company", "version": row.version, "changes": changes},
                request=request,
            )
            return row
    except IntegrityError as error:
        # Another admin's save took the same version number a moment earlier: the same
        # conflict as a stale version, showing what they saved.
        latest = company_settings()
        raise ConflictError(
            _("Someone else saved this record after you opened it. Review their version and apply your changes again."),
            data={"current": _stored(latest), "version": latest.version},
            code="stale_version",
        ) from error
