"""The one domain error type that services raise.

It is a Django ``ValidationError``, so forms show it beside the field
(``form.add_error(None, error)``) and the API turns it into a 400 naming the
field (``funnel_crm.api.exception_handler``).
"""

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A business rule refused the change; nothing was written."""

    status_code = 400


class ConflictError(DomainError):
    """The change collides with what is stored (stale version, duplicate).

    ``data`` carries what the caller needs to resolve it; the API answers 409.
    """

    status_code = 409

    def __init__(self, message, *, data=None, code="conflict"):
        super().__init__(message, code=code)
        self.data = data or {}


def validated(instance, *, exclude=None, prefix="", validate_constraints=True):
    """``full_clean()`` with a DomainError instead; ``prefix`` names nested rows
    (``contacts.0.mobile``). Models with a ``normalize()`` get it first."""
    if hasattr(instance, "normalize"):
        instance.normalize()
    try:
        instance.full_clean(exclude=exclude, validate_constraints=validate_constraints)
    except ValidationError as error:
        raise DomainError({f"{prefix}{field}": messages for field, messages in error.message_dict.items()}) from error
    return instance


def collect_errors(*checks) -> dict:
    """Run every check (callables raising DomainError) and gather all their field errors,
    so a form or an API call reports every bad field at once."""
    errors = {}
    for check in checks:
        try:
            check()
        except DomainError as error:
            errors.update(error.message_dict)
    return errors
