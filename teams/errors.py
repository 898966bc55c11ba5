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
