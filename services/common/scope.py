"""Which regions a reviewer's office covers: the province every region, a
city (设区市) its counties, a county itself. Each service applies it to the
regions it keeps for a record; review keeps its own SQL form (review.scope)."""
from services.common import contracts
from services.common import regions


def office_covers(principal, region_codes):
    """True when the reviewer's office covers any of `region_codes`."""
    if principal is None or not principal.is_reviewer:
        return False
    codes = [code for code in region_codes if code]
    if principal.level == contracts.PROVINCE:
        return True
    if principal.level == contracts.CITY:
        return any(regions.city_of(code) == principal.region_code for code in codes)
    if principal.level == contracts.COUNTY:
        return principal.region_code in codes
    return False
