"""Errors that cross the RPC boundary.

Each is registered with nameko so that the caller gets an instance of the same
class back (with the same arguments), not a bare RemoteError. The gateway maps
each class to one HTTP status and one Chinese message (gateway/errors.py).
"""
from nameko.exceptions import deserialize_to_instance


class ServiceError(Exception):
    """Base of the errors a service raises on purpose; args[0] is a message
    for the user (Chinese)."""

    @property
    def message(self):
        return self.args[0] if self.args else ""


@deserialize_to_instance
class Unauthenticated(ServiceError):
    """No valid principal came with the call."""


@deserialize_to_instance
class Forbidden(ServiceError):
    """The principal may not do this."""


@deserialize_to_instance
class NotFound(ServiceError):
    pass


@deserialize_to_instance
class Conflict(ServiceError):
    """The thing exists already, or moved on meanwhile."""


@deserialize_to_instance
class BadState(ServiceError):
    """Not allowed in the current state (e.g. saving a submitted declaration)."""


@deserialize_to_instance
class RateLimited(ServiceError):
    """Too many attempts; args[1], when given, is the wait in seconds."""

    @property
    def retry_after(self):
        return self.args[1] if len(self.args) > 1 else None


@deserialize_to_instance
class ValidationFailed(ServiceError):
    """args[0] is a summary message, args[1] a dict field -> message."""

    def __init__(self, message, errors=None):
        super().__init__(message, errors or {})

    @property
    def errors(self):
        return self.args[1]


EXPECTED = (Unauthenticated, Forbidden, NotFound, Conflict, BadState, RateLimited, ValidationFailed)
