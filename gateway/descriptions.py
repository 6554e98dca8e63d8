"""Form descriptions the services serve by RPC, cached per gateway process.

A service describes the forms its pages need with a public `describe_*` RPC
(named in services/common/contracts.py) answering one format for all
(docs/descriptions.md):

    {"hash": "<hash of the parts>", "parts": [{"key", "label", "fields": [Field.describe(), ...]}, ...]}

The gateway renders pages and builds POST bodies from it and never imports a
service's rule tables. Each description is fetched once per process; a later
response that carries the hash of the description it goes with (e.g. the
intake context's `description_hash`) passes it as `seen`, and a hash that
differs from the cached one fetches the description again. No version
numbers to bump: the hash changes with the description.

    get(service, method, seen=None)  -> the description {"hash", "parts"}
    part(description, key)           -> one part, e.g. a page's {"key", "fields", ...}
    fields(description)              -> {field key: (part key, field)} in page order
    carried_keys(form)               -> the field keys a posted form says it drew
                                        (its hidden `carried` inputs)
    carried_answers(description, form, carried, part=None)
                                     -> {part key: {field key: value}} of the fields
                                        the form carried, and only those
    posted(description, form, part)  -> {field key: value} of one part, by `carried`
                                        (or the fields sent, when a form has none)
    part_of(description, key)        -> the part `key`, or None
    clear()                          -> forget every cached description (tests)
"""
import threading
import time

from gateway import rpc
from gateway.rpc import ServiceUnavailable

CHECK_EVERY = 60.0  # seconds a cached description serves before it is asked for again

_cache = {}  # (service, method) -> ({"hash", "parts"}, fetched at: time.monotonic())
_lock = threading.Lock()


def get(service, method, seen=None):
    """The description `method` of `service` serves: cached; fetched on first
    use, again whenever `seen` (a hash a response carried) is not the cached
    one's, and at most every CHECK_EVERY seconds otherwise (a page that has
    no hash to compare still learns of a deploy within a minute). While the
    service does not answer, the copy held serves."""
    key = (service, method)
    held = _cache.get(key)
    if held is not None and (seen is None or seen == held[0]["hash"]) and time.monotonic() - held[1] < CHECK_EVERY:
        return held[0]
    try:
        fresh = rpc(service, method)
    except ServiceUnavailable:
        if held is None:
            raise
        return held[0]
    if not isinstance(fresh, dict) or "hash" not in fresh or "parts" not in fresh:
        raise ValueError(f"{service}.{method} does not answer a description {{hash, parts}}")
    with _lock:
        _cache[key] = (fresh, time.monotonic())
    return fresh


def part(description, key):
    """The part named `key` of a description (KeyError when it has none)."""
    for candidate in description["parts"]:
        if candidate["key"] == key:
            return candidate
    raise KeyError(key)


def clear():
    with _lock:
        _cache.clear()


def fields(description):
    """{field key: (part key, field)} for every field, in page order."""
    return {field["key"]: (part["key"], field) for part in description["parts"] for field in part.get("fields", ())}


def carried_answers(description, form, carried, part=None):
    """The answers of a posted form, by part: only the fields whose keys are
    in `carried` (what the page drew, e.g. from a hidden input; keys the
    current description does not know are dropped). A carried field left
    empty is sent empty (a multiple choice as []), so that clearing it
    counts; a field the form did not carry is not sent at all, so that a save
    built from an older description never blanks it. `form`: a werkzeug
    MultiDict (request.form). `part`: only that part's fields (parts may
    name fields alike, e.g. 名称 in several sections of a declaration)."""
    out = {}
    for entry in description["parts"]:
        if part is not None and entry["key"] != part:
            continue
        for field in entry.get("fields", ()):
            key = field["key"]
            if key not in carried:
                continue
            value = form.getlist(key) if field.get("type") == "multichoice" else form.get(key, "")
            out.setdefault(entry["key"], {})[key] = value
    return out


def posted(description, form, part):
    """The answers of one part a form posted: the fields of its hidden
    `carried` inputs, or, from a form without them, the fields it sent."""
    carried = carried_keys(form) or set(form.keys())
    return carried_answers(description, form, carried, part).get(part, {})


def part_of(description, key):
    """The part `key` of a description, or None."""
    return next((entry for entry in description["parts"] if entry["key"] == key), None)


def carried_keys(form, name="carried"):
    """The field keys a page says it drew: its hidden `carried` inputs (one
    key each, or several separated by spaces)."""
    return {key for value in form.getlist(name) for key in str(value).split() if key}
