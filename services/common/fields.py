"""Rule tables: one place per form that says, for each field, its label, its
填写说明 (help), its type and bounds and whether it is required.

The same table drives the server-side check, the red message beside a field,
the help icon and the API description. Values arrive as strings (forms) or
JSON values (API); `Schema.validate` returns the cleaned values (JSON-safe)
and a dict field -> Chinese message.

An incomplete form may be saved: `validate(data)` checks only what is filled;
`validate(data, require_all=True)` (at 提交) also reports every required
field left empty.
"""
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field as dc_field
from decimal import Decimal, InvalidOperation
from typing import Optional, Sequence

from services.common import regions, validators

REQUIRED_MESSAGE = "此项为必填项"
CONTROL_MESSAGE = "含有无法识别的控制字符，请删除后重新填写"
# Characters PostgreSQL text cannot hold (NUL) or no form means (other C0
# controls); tab, line feed and carriage return are ordinary typing.
_CONTROL = frozenset(chr(i) for i in range(32)) - {"\t", "\n", "\r"}


class FieldError(ValueError):
    pass


def _blank(raw):
    return raw is None or (isinstance(raw, str) and raw.strip() == "") or raw == []


def search_term(value, limit=100):
    """What a user typed into a search or filter box, made safe to compare
    with: control characters dropped (PostgreSQL text cannot hold NUL),
    trimmed, at most `limit` characters. Searches ignore what they cannot
    use rather than failing the page."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    text = text[: limit * 4]
    return "".join(ch for ch in text if ch not in _CONTROL).strip()[:limit]


def too_long(limit, length):
    return f"不能超过{limit}字（当前{length}字）"


@dataclass
class Field:
    key: str
    label: str
    help: str = ""
    required: bool = False
    kind = "text"
    # Longest value (after trimming) the field takes: checked by
    # Schema.validate before `parse` or any validator sees the value.
    cap = 200

    @property
    def limit(self):
        return self.cap

    def bound(self, raw):
        """The field's message when `raw` is too long or holds control
        characters, else None; linear in the value, whatever it is."""
        values = raw if isinstance(raw, (list, tuple)) else [raw]
        if len(values) > self.limit:
            return too_long(self.limit, len(values))
        for value in values:
            text = str(value).strip()
            if len(text) > self.limit:
                return too_long(self.limit, len(text))
            if not _CONTROL.isdisjoint(text):
                return CONTROL_MESSAGE
        return None

    def parse(self, raw):
        return str(raw).strip()

    def describe(self):
        return {
            "key": self.key,
            "label": self.label,
            "help": self.help,
            "required": self.required,
            "type": self.kind,
        }


@dataclass
class Text(Field):
    max_length: int = 200
    multiline: bool = False

    @property
    def kind(self):
        return "textarea" if self.multiline else "text"

    @property
    def limit(self):
        return self.max_length

    def parse(self, raw):
        value = str(raw).strip()
        if len(value) > self.max_length:
            raise FieldError(too_long(self.max_length, len(value)))
        return value

    def describe(self):
        return {**super().describe(), "max_length": self.max_length}


@dataclass
class Integer(Field):
    min: Optional[int] = 0
    max: Optional[int] = None
    unit: str = ""
    kind = "integer"
    cap = 20  # a 64-bit integer with its sign; int() of thousands of digits raises

    def parse(self, raw):
        text = str(raw).strip()
        if not re.fullmatch(r"-?[0-9]+", text):
            raise FieldError("请填写整数，不要使用逗号或小数点")
        value = int(text)
        if self.min is not None and value < self.min:
            raise FieldError(f"不能小于{self.min}")
        if self.max is not None and value > self.max:
            raise FieldError(f"不能大于{self.max}")
        return value

    def describe(self):
        return {**super().describe(), "min": self.min, "max": self.max, "unit": self.unit}


@dataclass
class Amount(Field):
    """A plain decimal with at most two places and no commas (FAQ 2.6);
    returned as a normalised string such as "1234.50"."""

    max: Optional[Decimal] = None
    unit: str = "万元"
    kind = "amount"
    cap = 20

    def parse(self, raw):
        text = str(raw).strip()
        message = validators.amount(text)
        if message:
            raise FieldError(message)
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise FieldError(validators.AMOUNT_MESSAGE)
        if self.max is not None and value > self.max:
            raise FieldError(f"不能大于{self.max}")
        return f"{value:.2f}"

    def describe(self):
        return {**super().describe(), "unit": self.unit}


@dataclass
class Date(Field):
    not_future: bool = True
    kind = "date"
    cap = 20

    def parse(self, raw):
        text = str(raw).strip()
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            raise FieldError("请按“年-月-日”格式填写日期，如 2020-05-18")
        if self.not_future and value > dt.date.today():
            raise FieldError("日期不能晚于今天")
        return value.isoformat()


@dataclass
class Choice(Field):
    options: Sequence[str] = dc_field(default_factory=tuple)
    kind = "choice"

    @property
    def limit(self):
        return max((len(o) for o in self.options), default=0) + 20

    def parse(self, raw):
        value = str(raw).strip()
        if value not in self.options:
            raise FieldError("请从列表中选择")
        return value

    def describe(self):
        return {**super().describe(), "options": list(self.options)}


@dataclass
class MultiChoice(Choice):
    kind = "multichoice"

    @property
    def limit(self):
        # a comma-separated string of every option, or a list of them
        return sum(len(o) + 1 for o in self.options) + 20

    def parse(self, raw):
        values = raw if isinstance(raw, (list, tuple)) else [v for v in str(raw).split(",") if v]
        values = [str(v).strip() for v in values]
        if any(v not in self.options for v in values):
            raise FieldError("请从列表中选择")
        return [o for o in self.options if o in values]


@dataclass
class Checked(Field):
    """A box that must be ticked (e.g. consent)."""

    kind = "checkbox"
    cap = 10

    def parse(self, raw):
        if str(raw).strip().lower() in ("1", "true", "on", "yes", "y"):
            return True
        raise FieldError("请勾选此项")


def _validator_field(kind, check, cap, normalise=lambda v: v.strip()):
    @dataclass
    class _F(Field):
        def parse(self, raw):
            value = normalise(str(raw))
            message = check(value)
            if message:
                raise FieldError(message)
            return value

    _F.kind = kind
    _F.cap = cap
    return _F


Mobile = _validator_field("mobile", validators.mobile, 20)
Phone = _validator_field("phone", validators.phone, 30)
Email = _validator_field("email", validators.email, validators.EMAIL_MAX_LENGTH)
CreditCode = _validator_field("credit_code", validators.credit_code, 30, lambda v: v.strip().upper())


@dataclass
class Region(Field):
    """A Jiangsu county-level code, picked city → county."""

    kind = "region"
    cap = 12

    def parse(self, raw):
        value = str(raw).strip()
        message = validators.county_region(value)
        if message:
            raise FieldError(message)
        return value

    def describe(self):
        return {**super().describe(), "regions": regions.tree()}


class Schema:
    def __init__(self, *fields):
        self.fields = list(fields)
        self.by_key = {f.key: f for f in self.fields}

    def __iter__(self):
        return iter(self.fields)

    def validate(self, data, require_all=False):
        """(clean values, {key: message}). Unknown keys are ignored."""
        clean, errors = {}, {}
        for f in self.fields:
            raw = data.get(f.key)
            if _blank(raw):
                if require_all and f.required:
                    errors[f.key] = REQUIRED_MESSAGE
                continue
            message = f.bound(raw)
            if message:
                errors[f.key] = message
                continue
            try:
                clean[f.key] = f.parse(raw)
            except FieldError as exc:
                errors[f.key] = str(exc)
        return clean, errors

    def missing(self, data):
        return [f.key for f in self.fields if f.required and _blank(data.get(f.key))]

    def describe(self):
        return [f.describe() for f in self.fields]


def description(parts):
    """The one format every `describe_*` RPC answers (docs/descriptions.md):
    {"hash", "parts"}, the hash of the canonical JSON of the parts, so that
    any change to a rule table changes it and nobody bumps a version."""
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return {"hash": hashlib.sha256(canonical.encode()).hexdigest()[:32], "parts": parts}
