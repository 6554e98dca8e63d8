"""Password hashing (argon2id) and the password strength rule."""
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

RULE = "密码长度8至32位，须同时包含字母和数字"
MAX_LENGTH = 128  # longest value any password field takes (older rules allowed no more than 32)

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters

# A hash to verify against when the username is unknown, so that the answer
# takes as long as for a known one.
_DUMMY = _hasher.hash("not-a-password-0")


def strength_error(password):
    """None when the password follows RULE, else the message."""
    if not isinstance(password, str) or not 8 <= len(password) <= 32:
        return RULE
    if not re.search(r"[A-Za-z]", password) or not re.search(r"[0-9]", password):
        return RULE
    if any(ch.isspace() for ch in password):
        return "密码不能包含空格"
    return None


def hash_password(password):
    return _hasher.hash(password)


def verify(password_hash, password):
    try:
        return _hasher.verify(password_hash or _DUMMY, password or "") and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def burn():
    """Spend a verification's time on nothing (unknown username)."""
    verify(None, "x")
