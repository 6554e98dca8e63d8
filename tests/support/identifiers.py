"""Valid business identifiers for test data."""
import random

from services.common.validators import CREDIT_CODE_CHARS, credit_code_check_char

# 9 = registered by the market-regulation authority, 1 = enterprise.
ENTERPRISE_PREFIX = "91"
REGION = "320102"  # 南京市玄武区


def credit_code(prefix17=None, region=REGION, rng=random):
    """A valid 统一社会信用代码 (GB 32100-2015): `prefix17` (17 characters)
    plus its check character, or a random enterprise code of `region`."""
    if prefix17 is None:
        body = "".join(rng.choice(CREDIT_CODE_CHARS) for _ in range(9))
        prefix17 = ENTERPRISE_PREFIX + region + body
    prefix17 = prefix17.upper()
    if len(prefix17) != 17 or any(ch not in CREDIT_CODE_CHARS for ch in prefix17):
        raise ValueError(f"not 17 characters of a credit code: {prefix17!r}")
    return prefix17 + credit_code_check_char(prefix17)


def phone_number(rng=random):
    """A mainland mobile number (11 digits, 1[3-9]...), distinct per call with
    overwhelming probability."""
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
