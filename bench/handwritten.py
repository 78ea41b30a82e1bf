"""Hand-written Python versions of the Douyin policies, the baseline of bench.py.

Written from policies.md (D1–D6) and the parameters of rulebooks/douyin.yaml, the way a
developer would write them without the engine: read the raw case (a dict as json.loads
gives it), parse each value at most once and only when needed, cheap checks first,
short-circuit on the first failing condition.

Semantics, the same as the engine's (README "Semantics in brief"):
- amounts are `Decimal`; timestamps are parsed with `datetime.fromisoformat`, one without
  an offset is Beijing time, others are converted to Beijing time (UTC+8);
- a condition on a missing or null value is not satisfied (a comparison with null is
  unknown, and a rule matches only when every condition is definitely true);
- a matched timer rule reports its deadline; `due` is `deadline <= at`.

`douyin_all(case, at)` returns, per rule of douyin.yaml in the rulebook's order, the tuple
of `CompiledRulebook.decide`: `(matched, action, deadline, due, version, outputs)`; for an
unmatched rule `(False, action, None, False, None, None)` where `action` is what the rule
would do (its `if` alternative chosen on the case's values).
"""
from __future__ import annotations

import inspect
import textwrap
from datetime import datetime, timedelta, timezone
from decimal import Decimal

BEIJING = timezone(timedelta(hours=8))
_8H = timedelta(hours=8)
_fromiso = datetime.fromisoformat

# parameters of rulebooks/douyin.yaml
LIGHTNING_MAX_AMOUNT = Decimal("300.00")
LIGHTNING_WINDOW_DAYS = 7
LIGHTNING_REASONS = frozenset({"seven_day_no_reason", "dislike", "wrong_order"})
LIGHTNING_ADDRESS_COUNT = 1
REPEAT_STATUSES = frozenset({"partially_shipped", "shipped", "completed"})
MAX_APPLICATIONS = 5
PRE_SHIPMENT_STATUSES = frozenset({"pending_payment", "preparing"})
RESHIP_CATEGORIES = frozenset({"smart_home"})
RESHIP_WINDOW = timedelta(days=15)
RESHIP_MERCHANT_WINDOW = timedelta(hours=48)
RESHIP_SHIP_WINDOW = timedelta(hours=48)
LATE_SHIP_COMPENSATION = Decimal("3.00")
RESHIP_ESCALATION_WINDOW = timedelta(hours=48)
REFUND_AFTER_RECEIPT_WINDOW = timedelta(hours=48)
WAYBILL_WINDOW = timedelta(days=7)
RECEIPT_EXTENSION = timedelta(days=7)
EXTEND_RECEIPT_AFTER = timedelta(days=5)
ARBITRATION_WINDOW = timedelta(hours=48)
FRESH_CATEGORIES = frozenset({"fresh", "fruit"})
FRESH_CLAIM_SERVICE = "fresh_bad_claim"
FRESH_CLAIM_WINDOW = timedelta(hours=24)
BEAUTY_CATEGORIES = frozenset({"beauty"})
BEAUTY_ALLERGY_SERVICE = "beauty_allergy_return"
BEAUTY_ALLERGY_WINDOW = timedelta(days=60)
ZERO = Decimal("0.00")

_EMPTY: dict = {}
_UNSET = object()   # "not parsed yet"


def beijing(text: str | None) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime in Beijing time (naive = Beijing time)."""
    if text is None:
        return None
    t = _fromiso(text)
    tz = t.tzinfo
    if tz is None:
        return t.replace(tzinfo=BEIJING)
    if tz.utcoffset(t) == _8H:
        return t
    return t.astimezone(BEIJING)


def beijing_date_ordinal(text: str) -> int:
    """The calendar day (proleptic ordinal) of a timestamp in Beijing time."""
    t = _fromiso(text)
    tz = t.tzinfo
    if tz is not None and tz.utcoffset(t) != _8H:
        t = t.astimezone(BEIJING)
    return t.toordinal()


def money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


# ---------------------------------------------------------------------------- D1
def lightning_return(case: dict, at: datetime) -> bool:
    """闪电退货: every filter of D1 holds. Cheap checks first, parsing last."""
    a = case.get("aftersale")
    if a is None or a.get("type") != "return_refund" or a.get("reason") not in LIGHTNING_REASONS:
        return False
    if (case.get("buyer") or _EMPTY).get("credit_good") is not True:
        return False
    o = case["order"]
    if o.get("supports_7day_return") is not True:
        return False
    s = case.get("shop") or _EMPTY
    if (s.get("return_address_count") != LIGHTNING_ADDRESS_COUNT
            or s.get("shipping_address_count") != LIGHTNING_ADDRESS_COUNT
            or s.get("return_equals_shipping") is not True):
        return False
    paid = o.get("paid_amount")
    if paid is None or Decimal(paid) > LIGHTNING_MAX_AMOUNT:
        return False
    signed = o.get("signed_at")
    applied = a.get("applied_at")
    if signed is None or applied is None:
        return False
    return beijing_date_ordinal(applied) - beijing_date_ordinal(signed) <= LIGHTNING_WINDOW_DAYS


def lightning_return_in_rule_order(case: dict, at: datetime) -> bool:
    """The same predicate, conditions in the order douyin.yaml lists them (for comparison)."""
    a = case.get("aftersale") or _EMPTY
    if a.get("type") != "return_refund":
        return False
    if (case.get("buyer") or _EMPTY).get("credit_good") is not True:
        return False
    o = case["order"]
    signed = o.get("signed_at")
    applied = a.get("applied_at")
    if signed is None or applied is None:
        return False
    if beijing_date_ordinal(applied) - beijing_date_ordinal(signed) > LIGHTNING_WINDOW_DAYS:
        return False
    if a.get("reason") not in LIGHTNING_REASONS:
        return False
    paid = o.get("paid_amount")
    if paid is None or Decimal(paid) > LIGHTNING_MAX_AMOUNT:
        return False
    if o.get("supports_7day_return") is not True:
        return False
    s = case.get("shop") or _EMPTY
    return (s.get("return_address_count") == LIGHTNING_ADDRESS_COUNT
            and s.get("shipping_address_count") == LIGHTNING_ADDRESS_COUNT
            and s.get("return_equals_shipping") is True)


# ---------------------------------------------------------------------------- all rules
_LR_NO = (False, "auto_approve", None, False, None, None)
_LR_YES = (True, "auto_approve", None, False, None, None)
_RA_NO = (False, "allow_apply", None, False, None, None)
_RA_YES = (True, "allow_apply", None, False, None, None)
_RN_NO = (False, "show_repeat_refund_notice", None, False, None, None)
_RN_YES = (True, "show_repeat_refund_notice", None, False, None, None)
_PS_NO = (False, "cancel_or_full_refund_only", None, False, None, None)
_PS_YES = (True, "cancel_or_full_refund_only", None, False, None, None)
_RS_NO = _RA_NO
_RS_YES = _RA_YES
_RMT_NO = (False, "auto_agree", None, False, None, None)
_RST_NO_FULL = (False, "auto_full_refund", None, False, None, None)
_RST_NO_ESC = (False, "buyer_may_escalate", None, False, None, None)
_RR_NO_ARB = (False, "arbitration", None, False, None, None)
_RR_NO_ESC = _RST_NO_ESC
_RAR_NO = (False, "auto_refund", None, False, None, None)
_RWT_NO = _RAR_NO
_ER_NO = (False, "extend_receipt_available", None, False, None, None)
_ER_YES = (True, "extend_receipt_available", None, False, None, None)
_RRR_NO = _RST_NO_ESC
_CLAIM_NO = (False, "allow_claim", None, False, None, None)
_CLAIM_YES = (True, "allow_claim", None, False, None, None)


def _timer(action: str, deadline: datetime | None, at: datetime) -> tuple:
    return (True, action, deadline, deadline is not None and deadline <= at, None, None)


def _plus(moment: datetime | None, delta: timedelta) -> datetime | None:
    return None if moment is None else moment + delta


def douyin_all(case: dict, at: datetime) -> tuple:
    """Every rule of douyin.yaml, in the rulebook's order, as `decide` reports them."""
    o = case["order"]
    a = case.get("aftersale") or _EMPTY
    s = case.get("shop") or _EMPTY
    atype = a.get("type")
    reason = a.get("reason")
    astatus = a.get("status")
    status = o.get("status")
    # values parsed at most once, on first use (the timestamps/amounts several rules share)
    paid = refunded = signed = applied = _UNSET

    # D1 lightning_return
    r_lr = _LR_NO
    if (atype == "return_refund" and reason in LIGHTNING_REASONS
            and (case.get("buyer") or _EMPTY).get("credit_good") is True
            and o.get("supports_7day_return") is True
            and s.get("return_address_count") == LIGHTNING_ADDRESS_COUNT
            and s.get("shipping_address_count") == LIGHTNING_ADDRESS_COUNT
            and s.get("return_equals_shipping") is True):
        paid = money(o.get("paid_amount"))
        if paid is not None and paid <= LIGHTNING_MAX_AMOUNT:
            signed = beijing(o.get("signed_at"))
            applied = beijing(a.get("applied_at"))
            if (signed is not None and applied is not None
                    and (applied.date() - signed.date()).days <= LIGHTNING_WINDOW_DAYS):
                r_lr = _LR_YES

    # D2 repeat_aftersale
    r_ra = _RA_NO
    if (status in REPEAT_STATUSES
            and (count := o.get("aftersale_count")) is not None and count < MAX_APPLICATIONS
            and o.get("goods_kind") == "physical" and o.get("domestic") is True):
        refunded = money(o.get("refunded_amount"))
        if refunded is not None:
            if paid is _UNSET:
                paid = money(o.get("paid_amount"))
            if paid is not None and refunded < paid:
                r_ra = _RA_YES

    # D2b repeat_refund_notice
    r_rn = _RN_NO
    if atype is not None:
        if refunded is _UNSET:
            refunded = money(o.get("refunded_amount"))
        if refunded is not None and refunded > ZERO:
            r_rn = _RN_YES

    # D3 pre_shipment_options
    r_ps = _PS_YES if status in PRE_SHIPMENT_STATUSES else _PS_NO

    # D4 reship
    r_rs = _RS_NO
    r_rmt = _RMT_NO
    not_received = reason == "not_received"
    r_rst = _RST_NO_FULL if not_received else _RST_NO_ESC
    r_rr = _RR_NO_ARB if not_received else _RR_NO_ESC
    if atype == "reship":
        if o.get("shipped_at") is not None and o.get("category") in RESHIP_CATEGORIES:
            confirmed = o.get("confirmed_at")
            if confirmed is None:
                r_rs = _RS_YES
            else:
                if applied is _UNSET:
                    applied = beijing(a.get("applied_at"))
                if applied is not None and applied <= beijing(confirmed) + RESHIP_WINDOW:
                    r_rs = _RS_YES
        if astatus == "awaiting_merchant":
            if applied is _UNSET:
                applied = beijing(a.get("applied_at"))
            r_rmt = _timer("auto_agree", _plus(applied, RESHIP_MERCHANT_WINDOW), at)
        elif astatus == "merchant_agreed":
            if a.get("reship_shipped_at") is None:
                deadline = _plus(beijing(a.get("merchant_agreed_at")), RESHIP_SHIP_WINDOW)
                if not_received:
                    r_rst = (True, "auto_full_refund", deadline, deadline is not None and deadline <= at, None,
                             (LATE_SHIP_COMPENSATION, None))
                else:
                    r_rst = (True, "buyer_may_escalate", deadline, deadline is not None and deadline <= at, None,
                             (LATE_SHIP_COMPENSATION, _plus(deadline, RESHIP_ESCALATION_WINDOW)))
        elif astatus == "merchant_rejected":
            if not_received:
                r_rr = (True, "arbitration", None, False, None, None)
            else:
                r_rr = _timer("buyer_may_escalate",
                              _plus(beijing(a.get("merchant_rejected_at")), RESHIP_ESCALATION_WINDOW), at)

    # D5 return and refund after approval
    r_rar = _RAR_NO
    r_rwt = _RWT_NO
    r_er = _ER_NO
    r_rrr = _RRR_NO
    if atype == "return_refund":
        if astatus == "return_received":
            r_rar = _timer("auto_refund", _plus(beijing(a.get("return_received_at")), REFUND_AFTER_RECEIPT_WINDOW), at)
        elif astatus == "buyer_returned":
            waybill = beijing(a.get("waybill_uploaded_at"))
            extended = a.get("receipt_extended")
            if waybill is None:
                deadline = None
            elif extended is True:
                deadline = waybill + WAYBILL_WINDOW + RECEIPT_EXTENSION
            else:
                deadline = waybill + WAYBILL_WINDOW
            r_rwt = _timer("auto_refund", deadline, at)
            if extended is False and waybill is not None and at >= waybill + EXTEND_RECEIPT_AFTER:
                r_er = _ER_YES
        elif astatus == "merchant_rejected" and a.get("return_received_at") is not None:
            r_rrr = _timer("buyer_may_escalate", _plus(beijing(a.get("merchant_rejected_at")), ARBITRATION_WINDOW), at)

    # D6 安心购
    r_fresh = _CLAIM_NO
    r_beauty = _CLAIM_NO
    if reason == "spoiled" or reason == "allergy":
        services = s.get("services")
        if services:
            if reason == "spoiled":
                ok = FRESH_CLAIM_SERVICE in services and o.get("category") in FRESH_CATEGORIES
                window = FRESH_CLAIM_WINDOW
            else:
                ok = BEAUTY_ALLERGY_SERVICE in services and o.get("category") in BEAUTY_CATEGORIES
                window = BEAUTY_ALLERGY_WINDOW
            if ok:
                if applied is _UNSET:
                    applied = beijing(a.get("applied_at"))
                if signed is _UNSET:
                    signed = beijing(o.get("signed_at"))
                if applied is not None and signed is not None and applied <= signed + window:
                    if reason == "spoiled":
                        r_fresh = _CLAIM_YES
                    else:
                        r_beauty = _CLAIM_YES

    return (r_lr, r_ra, r_rn, r_ps, r_rs, r_rmt, r_rst, r_rr, r_rar, r_rwt, r_er, r_rrr, r_fresh, r_beauty)


RULE_IDS = ("lightning_return", "repeat_aftersale", "repeat_refund_notice", "pre_shipment_options",
            "reship_apply", "reship_merchant_timeout", "reship_ship_timeout", "reship_rejected",
            "refund_after_receipt", "return_waybill_timeout", "extend_receipt", "return_refund_rejected",
            "fresh_bad_claim", "beauty_allergy_return")


# ---------------------------------------------------------------- D1, checking its input
class BadValue(ValueError):
    """A case value the rule cannot use (what the engine reports as a field error)."""


_TYPES = frozenset({"refund_only", "return_refund", "exchange", "reship"})
_REASONS = frozenset({"seven_day_no_reason", "dislike", "wrong_order", "not_received", "missing_items",
                      "quality_issue", "damaged", "spoiled", "allergy", "other"})


def _checked_flag(value: object) -> bool | None:
    if value is None or value is True or value is False:
        return value  # type: ignore[return-value]
    raise BadValue(value)


def _checked_count(value: object) -> int | None:
    if value is None or (type(value) is int and value >= 0):
        return value  # type: ignore[return-value]
    raise BadValue(value)


def _checked_money(text: object) -> Decimal | None:
    if text is None:
        return None
    if type(text) is not str or not text.isascii():
        raise BadValue(text)
    whole, dot, cents = text.partition(".")
    if not whole.isdigit() or (dot and (not cents.isdigit() or len(cents) > 2)):
        raise BadValue(text)
    return Decimal(text)


def _checked_day(text: object) -> int | None:
    if text is None:
        return None
    if type(text) is not str or len(text) < 16 or text[10] != "T" or "," in text:
        raise BadValue(text)
    return beijing_date_ordinal(text)


def lightning_return_checked(case: dict, at: datetime) -> bool:
    """lightning_return that also rejects malformed values it reads, as the engine does
    (enum membership, flag and count types, amount format and decimals, timestamp shape);
    same order, same short-circuits. Information only: the fair-work comparison."""
    a = case.get("aftersale") or _EMPTY
    kind = a.get("type")
    if kind is not None and kind not in _TYPES:
        raise BadValue(kind)
    if kind != "return_refund":
        return False
    if _checked_flag((case.get("buyer") or _EMPTY).get("credit_good")) is not True:
        return False
    reason = a.get("reason")
    if reason is not None and reason not in _REASONS:
        raise BadValue(reason)
    if reason not in LIGHTNING_REASONS:
        return False
    o = case["order"]
    if _checked_flag(o.get("supports_7day_return")) is not True:
        return False
    s = case.get("shop") or _EMPTY
    if (_checked_count(s.get("return_address_count")) != LIGHTNING_ADDRESS_COUNT
            or _checked_count(s.get("shipping_address_count")) != LIGHTNING_ADDRESS_COUNT
            or _checked_flag(s.get("return_equals_shipping")) is not True):
        return False
    paid = _checked_money(o.get("paid_amount"))
    if paid is None or paid > LIGHTNING_MAX_AMOUNT:
        return False
    signed, applied = _checked_day(o.get("signed_at")), _checked_day(a.get("applied_at"))
    if signed is None or applied is None:
        return False
    return applied - signed <= LIGHTNING_WINDOW_DAYS


_ORDER_STATUSES = frozenset({"pending_payment", "preparing", "partially_shipped", "shipped", "completed", "closed"})
_AFTERSALE_STATUSES = frozenset({"awaiting_merchant", "merchant_agreed", "buyer_returned", "return_received",
                                 "merchant_rejected", "refunded", "closed", "cancelled"})
_GOODS_KINDS = frozenset({"physical", "virtual"})


def _checked_order(value: object) -> dict:
    if type(value) is dict:
        return value  # type: ignore[return-value]
    raise BadValue(value)   # the engine rejects such a case as a whole


def _checked_object(value: object) -> dict | None:
    if value is None or type(value) is dict:
        return value  # type: ignore[return-value]
    raise BadValue(value)


def _checked_enum(value: object, values: frozenset[str]) -> str | None:
    if value is None or (type(value) is str and value in values):
        return value  # type: ignore[return-value]
    raise BadValue(value)


def _checked_text(value: object) -> str | None:
    if value is None or type(value) is str:
        return value  # type: ignore[return-value]
    raise BadValue(value)


def _checked_texts(value: object) -> list | None:
    if value is None or (type(value) is list and all(type(x) is str for x in value)):
        return value  # type: ignore[return-value]
    raise BadValue(value)


def _checked_beijing(text: object) -> datetime | None:
    """The timestamp shape test of _checked_day, then beijing (which takes None)."""
    if text is None or (type(text) is str and len(text) >= 16 and text[10] == "T" and "," not in text):
        return beijing(text)  # type: ignore[arg-type]
    raise BadValue(text)


def _with_checks(fn, name: str, doc: str, replacements: list[tuple[str, str]]):
    """`fn` with each raw read replaced by its checked read: the same code, so the same
    order and short-circuits, compiled from fn's source text (ours, not user input)."""
    src = textwrap.dedent(inspect.getsource(fn)).replace(f"def {fn.__name__}(", f"def {name}(", 1)
    for old, new in replacements:
        if old not in src:
            raise AssertionError(f"{fn.__name__} no longer reads {old!r}: update {name}")
        src = src.replace(old, new)
    namespace: dict = {}
    exec(compile(src, f"<{name}: {fn.__name__} with checks>", "exec"), globals(), namespace)
    checked = namespace[name]
    checked.__doc__ = doc
    return checked


douyin_all_checked = _with_checks(douyin_all, "douyin_all_checked", """douyin_all that also rejects the
    malformed values it reads, as the engine does (enum membership; flag, count, text and list
    types; amount format and decimals; timestamp shape; `order` an object), each where it is
    first read; same order, same short-circuits. Information only: the fair-work comparison
    for (e).""", [
    ('o = case["order"]', 'o = _checked_order(case["order"])'),
    ('a = case.get("aftersale") or _EMPTY', 'a = _checked_object(case.get("aftersale")) or _EMPTY'),
    ('s = case.get("shop") or _EMPTY', 's = _checked_object(case.get("shop")) or _EMPTY'),
    ('atype = a.get("type")', 'atype = _checked_enum(a.get("type"), _TYPES)'),
    ('reason = a.get("reason")', 'reason = _checked_enum(a.get("reason"), _REASONS)'),
    ('astatus = a.get("status")', 'astatus = _checked_enum(a.get("status"), _AFTERSALE_STATUSES)'),
    ('status = o.get("status")', 'status = _checked_enum(o.get("status"), _ORDER_STATUSES)'),
    ('(case.get("buyer") or _EMPTY).get("credit_good") is True',
     '_checked_flag((_checked_object(case.get("buyer")) or _EMPTY).get("credit_good")) is True'),
    ('o.get("supports_7day_return") is True', '_checked_flag(o.get("supports_7day_return")) is True'),
    ('s.get("return_address_count") ==', '_checked_count(s.get("return_address_count")) =='),
    ('s.get("shipping_address_count") ==', '_checked_count(s.get("shipping_address_count")) =='),
    ('s.get("return_equals_shipping") is True', '_checked_flag(s.get("return_equals_shipping")) is True'),
    ('money(', '_checked_money('),
    ('beijing(', '_checked_beijing('),
    ('(count := o.get("aftersale_count"))', '(count := _checked_count(o.get("aftersale_count")))'),
    ('o.get("goods_kind") == "physical"', '_checked_enum(o.get("goods_kind"), _GOODS_KINDS) == "physical"'),
    ('o.get("domestic") is True', '_checked_flag(o.get("domestic")) is True'),
    ('o.get("shipped_at") is not None', '_checked_beijing(o.get("shipped_at")) is not None'),
    ('o.get("category") in', '_checked_text(o.get("category")) in'),
    ('confirmed = o.get("confirmed_at")', 'confirmed = _checked_beijing(o.get("confirmed_at"))'),
    ('applied <= _checked_beijing(confirmed) + RESHIP_WINDOW', 'applied <= confirmed + RESHIP_WINDOW'),
    ('a.get("reship_shipped_at") is None', '_checked_beijing(a.get("reship_shipped_at")) is None'),
    ('extended = a.get("receipt_extended")', 'extended = _checked_flag(a.get("receipt_extended"))'),
    ('a.get("return_received_at") is not None', '_checked_beijing(a.get("return_received_at")) is not None'),
    ('services = s.get("services")', 'services = _checked_texts(s.get("services"))'),
])
