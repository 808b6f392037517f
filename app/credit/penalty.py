"""The administrative penalty a confirmed record rests on (行政处罚决定), as the 双公示 items need it:
its kinds (处罚类别, the Administrative Penalty Law's article 9), what was decided (处罚内容) and the
fine and confiscated amount (罚没金额, yuan)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# code -> the legal name (Chinese, as published) and the label shown in the UI
KINDS = {
    "warning": ("警告", _l("Warning")),
    "criticism": ("通报批评", _l("Circulated criticism")),
    "fine": ("罚款", _l("Fine")),
    "confiscation": ("没收违法所得、没收非法财物", _l("Confiscation of illegal gains or property")),
    "licence_suspended": ("暂扣许可证件", _l("Licence suspended (penalty)")),
    "licence_revoked": ("吊销许可证件", _l("Licence revoked")),
    "business_restricted": ("限制开展生产经营活动", _l("Business activities restricted")),
    "business_suspended": ("责令停产停业", _l("Ordered to suspend business")),
    "closure": ("责令关闭", _l("Ordered to close")),
    "other": ("其他行政处罚", _l("Other administrative penalty")),
}
WITH_AMOUNT = ("fine", "confiscation")
MAX_CONTENT = 500
MAX_AMOUNT = Decimal("99999999.99")


def category_text(kinds) -> str:
    """处罚类别 as published: the legal names joined by ';' in the law's order."""
    return ";".join(KINDS[k][0] for k in KINDS if k in (kinds or ()))


def amount_text(amount) -> str:
    return "" if amount is None else f"{Decimal(amount):.2f}"


_BY_NAME = {legal: code for code, (legal, _label) in KINDS.items()}


def parse_kinds(text: str | None) -> list[str]:
    """Kinds from a CSV cell: codes or legal names (处罚类别) separated by ';' '；' or ','; an unknown
    one is kept as written, for ``clean`` to refuse by name."""
    parts = [p.strip() for p in (text or "").replace("；", ";").replace(",", ";").replace("，", ";").split(";")]
    return [_BY_NAME.get(p, p) for p in parts if p]


def clean(kinds, content, amount) -> tuple[dict, dict]:
    """Check the penalty details given with a decision. Returns (values, errors); values holds
    ``penalty_kinds`` (list or None), ``penalty_content`` and ``penalty_amount`` (Decimal or None).
    Nothing given is fine (a record entered without its decision's details); once a kind is given the
    content is required, and an amount is required exactly when a fine or a confiscation is among the
    kinds."""
    errors: dict[str, list[str]] = {}
    if isinstance(kinds, str):
        kinds = parse_kinds(kinds)
    kinds = list(kinds or [])
    content = (content or "").strip()
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        errors["penalty_kinds"] = [_("Unknown penalty kind: %(kinds)s.", kinds=", ".join(map(str, unknown)))]
    if amount in ("", None):
        amount = None
    else:
        try:
            amount = Decimal(str(amount).strip().replace(",", ""))
            if not amount.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["penalty_amount"] = [_("Give the amount in yuan, e.g. 2000 or 1500.50.")]
            amount = None
        else:
            if amount <= 0:
                errors["penalty_amount"] = [_("The amount must be more than zero.")]
            elif amount > MAX_AMOUNT:
                errors["penalty_amount"] = [_("The amount is too large.")]
            elif amount.as_tuple().exponent < -2:
                errors["penalty_amount"] = [_("At most two decimals (fen).")]
    if not kinds:
        if content:
            errors["penalty_kinds"] = [_("Choose the kind of penalty decided.")]
        if amount is not None and "penalty_amount" not in errors:
            errors["penalty_amount"] = [_("An amount goes with a fine or a confiscation only.")]
    else:
        if not content:
            errors["penalty_content"] = [_("Say what was decided (e.g. a fine of 2,000 yuan and the cigarettes "
                                           "confiscated).")]
        elif len(content) > MAX_CONTENT:
            errors["penalty_content"] = [_("Too long.")]
        if not unknown:
            needs = any(k in WITH_AMOUNT for k in kinds)
            if needs and amount is None and "penalty_amount" not in errors:
                errors["penalty_amount"] = [_("A fine or a confiscation needs its amount (yuan).")]
            elif not needs and amount is not None and "penalty_amount" not in errors:
                errors["penalty_amount"] = [_("An amount goes with a fine or a confiscation only.")]
    ordered = [k for k in KINDS if k in kinds] or None
    return {"penalty_kinds": ordered, "penalty_content": content or None, "penalty_amount": amount}, errors
