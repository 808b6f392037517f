"""Early warning 失信预警: nightly signals that a retailer is sliding toward a lower grade or a
violation, each a warning with an owner, an action and a close (docs/warnings.md)."""
