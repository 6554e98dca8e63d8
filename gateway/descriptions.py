"""Descriptions a service serves (its rule tables), kept per process.

`get(service, method)` answers the description from the last answer of
`method` and asks the service again at most every CHECK_EVERY seconds,
sending the hash it holds: the service sends the description again only
when it changed. While the service does not answer, the copy held serves.
"""
import threading
import time

CHECK_EVERY = 60.0

_cache = {}  # (service, method) -> (hash, description, checked_at)
_lock = threading.Lock()


def get(service, method):
    from gateway import rpc
    from gateway.rpc import ServiceUnavailable

    key = (service, method)
    held = _cache.get(key)
    now = time.monotonic()
    if held is not None and now - held[2] < CHECK_EVERY:
        return held[1]
    try:
        answer = rpc(service, method, held[0] if held else None)
    except ServiceUnavailable:
        if held is None:
            raise
        return held[1]
    description = answer["description"] if answer.get("description") is not None else held[1]
    with _lock:
        _cache[key] = (answer["hash"], description, now)
    return description
