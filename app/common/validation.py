"""Validation messages in the user's language.

Marshmallow's built-in messages are listed here with N_ so they enter the translation catalogue;
``app.i18n.translate_messages`` translates them when an error response is built."""


def N_(s):  # noqa: N802 - marker for message extraction
    return s


MARSHMALLOW_MESSAGES = [
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Not a valid email address."),
    N_("Not a valid URL."),
    N_("Unknown field."),
    N_("Invalid input type."),
    N_("Must be one of the allowed values."),
    N_("Value out of range."),
    N_("Too long."),
    N_("Must not be empty."),
    N_("Invalid pagination parameters."),
    N_("Invalid JSON body."),
]
