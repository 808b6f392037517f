"""Errors raised by services, rendered by the API as field-by-field messages and by pages as form errors."""


class ServiceError(Exception):
    """A refused change. ``errors`` maps field name -> list of messages in the user's language."""

    def __init__(self, errors: dict, status: int = 422):
        super().__init__(errors)
        self.errors = errors
        self.status = status
