"""Marshmallow field types bounded to what the database stores, shared by every API schema.

- ``Id``: a database id, 1..2^31-1 (PostgreSQL ``integer``); documented with its bounds.
- ``Int32``: any other integer stored in an ``integer`` column (quantities, capacities).
- ``UtcDateTime``: timestamps are kept as naive UTC (app.common.time.utcnow); they are sent with
  their zone (``2026-11-29T02:00:00+00:00``), as the OpenAPI ``date-time`` format requires.
"""
from datetime import timezone

from marshmallow import fields, validate

from app.common.edge import INT32_MAX, INT32_MIN
from app.common.validation import N_

_RANGE = N_("Value out of range.")


class Id(fields.Integer):
    def __init__(self, **kwargs):
        validators = kwargs.pop("validate", None)
        if validators is None:
            validators = []
        elif callable(validators):
            validators = [validators]
        super().__init__(validate=[validate.Range(min=1, max=INT32_MAX, error=_RANGE), *validators], **kwargs)


class Int32(fields.Integer):
    def __init__(self, **kwargs):
        validators = kwargs.pop("validate", None)
        if validators is None:
            validators = []
        elif callable(validators):
            validators = [validators]
        super().__init__(validate=[validate.Range(min=INT32_MIN, max=INT32_MAX, error=_RANGE), *validators],
                         **kwargs)


class UtcDateTime(fields.DateTime):
    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)
