"""Errors raised by services, rendered by the API as field-by-field messages and by pages as form errors."""


class ServiceError(Exception):
    """A refused change. ``errors`` maps field name -> list of messages in the user's language;
    ``details`` (optional) is extra data the API adds to the error body, e.g. the existing record a
    duplicate conflicts with."""

    def __init__(self, errors: dict, status: int = 422, details: dict | None = None):
        super().__init__(errors)
        self.errors = errors
        self.status = status
        self.details = details or {}

    def page_errors(self) -> dict:
        """The field errors as a page shows them (an error may word them differently for a page)."""
        return self.errors
