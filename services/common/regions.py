"""Jiangsu's administrative divisions (GB/T 2260 six-digit codes): the
province, its 13 cities and its county-level units, from jiangsu_regions.csv."""
import csv
from functools import lru_cache
from pathlib import Path

CSV = Path(__file__).with_name("jiangsu_regions.csv")
PROVINCE = "320000"


@lru_cache(maxsize=1)
def _rows():
    with CSV.open(encoding="utf-8") as f:
        return {row["code"]: row for row in csv.DictReader(f)}


def name(code):
    row = _rows().get(code)
    return row["name"] if row else None


def full_name(code):
    """e.g. '南京市玄武区'."""
    row = _rows().get(code)
    if not row:
        return None
    if row["level"] == "county":
        return name(row["parent_code"]) + row["name"]
    return row["name"]


def level(code):
    row = _rows().get(code)
    return row["level"] if row else None


def is_county(code):
    return level(code) == "county"


def is_city(code):
    return level(code) == "city"


def city_of(code):
    """The city of a county code (a city is its own city)."""
    row = _rows().get(code)
    if not row:
        return None
    return code if row["level"] == "city" else row["parent_code"]


def cities():
    return [(r["code"], r["name"]) for r in _rows().values() if r["level"] == "city"]


def counties(city_code):
    return [
        (r["code"], r["name"])
        for r in _rows().values()
        if r["level"] == "county" and r["parent_code"] == city_code
    ]


def tree():
    """[{code, name, counties: [{code, name}]}] for the city → county picker."""
    return [
        {"code": code, "name": nm, "counties": [{"code": k, "name": n} for k, n in counties(code)]}
        for code, nm in cities()
    ]


def within_office(level, office_code, region_code):
    """True when a declaration of `region_code` lies inside the region of a
    reviewer's office: its county, its city's counties, or (province) all."""
    if level == "province":
        return True
    if not region_code or not office_code:
        return False
    if level == "city":
        return city_of(region_code) == office_code
    if level == "county":
        return region_code == office_code
    return False
