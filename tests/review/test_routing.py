"""The routing matrix on the real PostgreSQL: for each reviewer (region ×
level) and each case (region × level), whether the case is in its inbox,
in its search scope, can be opened by id, and can be acted on."""
import pytest

from services.common import contracts as c
from services.common.errors import Forbidden, NotFound
from services.common.principal import Principal
from services.review import decisions, intake, listing, notes
from tests.review.support import Tx, admin, city, county, province, submitted

# name -> (region, level at which it waits)
CASES = {
    "xuanwu_county": ("320102", c.COUNTY),
    "qinhuai_county": ("320104", c.COUNTY),
    "xuanwu_city": ("320102", c.CITY),
    "xishan_city": ("320205", c.CITY),
    "xuanwu_province": ("320102", c.PROVINCE),
    "sip_county": ("320576", c.COUNTY),  # 苏州工业园区, a functional zone reviewed like a county
}

REVIEWERS = {
    "county 320102": county("320102"),
    "county 320104": county("320104"),
    "county 320576": county("320576"),
    "city 320100": city("320100"),
    "city 320200": city("320200"),
    "city 320500": city("320500"),
    "province": province(),
    "admin": admin(),
}

# reviewer -> (inbox: the cases it acts on now, scope: the cases it may open)
EXPECTED = {
    "county 320102": ({"xuanwu_county"}, {"xuanwu_county", "xuanwu_city", "xuanwu_province"}),
    "county 320104": ({"qinhuai_county"}, {"qinhuai_county"}),
    "county 320576": ({"sip_county"}, {"sip_county"}),
    "city 320100": ({"xuanwu_city"}, {"xuanwu_county", "qinhuai_county", "xuanwu_city", "xuanwu_province"}),
    "city 320200": ({"xishan_city"}, {"xishan_city"}),
    "city 320500": (set(), {"sip_county"}),
    "province": ({"xuanwu_province"}, set(CASES)),
    "admin": (set(CASES), set(CASES)),
}


@pytest.fixture
def ids(db_engine):
    engine = db_engine(c.REVIEW)
    made = {}
    with Tx(engine) as tx:
        for name, (region, level) in CASES.items():
            data = submitted(region=region, level=level, base_name=name)
            intake.receive_submission(tx.session, data)
            made[name] = data["declaration_id"]
        tx.commit()
    return engine, made


def names(items, made):
    by_id = {v: k for k, v in made.items()}
    return {by_id[i["declaration_id"]] for i in items}


@pytest.mark.parametrize("who", list(REVIEWERS))
def test_routing_matrix(ids, who):
    engine, made = ids
    principal = REVIEWERS[who]
    inbox, in_scope = EXPECTED[who]
    with Tx(engine) as tx:
        todo = listing.list_cases(tx.session, principal, {"tab": "todo"})
        everything = listing.list_cases(tx.session, principal, {"tab": "all", "per_page": 100})
        assert names(todo["items"], made) == inbox
        assert todo["tabs"]["todo"] == len(inbox)
        assert names(everything["items"], made) == in_scope
        assert sum(everything["counts"].values()) == len(in_scope)
        for name, declaration_id in made.items():
            if name in in_scope:
                case = listing.get_case(tx.session, principal, declaration_id)
                assert case["can"]["review"] is (name in inbox and principal.is_reviewer)
                assert case["can"]["admin_return"] is principal.is_admin
            else:
                with pytest.raises(NotFound):
                    listing.get_case(tx.session, principal, declaration_id)


def test_other_principals_get_nothing(ids):
    engine, made = ids
    strangers = [
        Principal(kind=c.ENTERPRISE, id="e1", region_code="320102"),
        Principal(kind=c.SYSTEM, id="declarations"),
        Principal(kind=c.REVIEWER, id="r", region_code="320100", level=c.COUNTY),  # a city code at county level
        Principal(kind=c.REVIEWER, id="r", region_code="320102", level=c.CITY),
        Principal(kind=c.REVIEWER, id="r", region_code="320102", level=None),
        None,
    ]
    with Tx(engine) as tx:
        for principal in strangers:
            with pytest.raises(Forbidden):
                listing.list_cases(tx.session, principal, {"tab": "all"})
            with pytest.raises(Forbidden):
                listing.get_case(tx.session, principal, made["xuanwu_county"])


def test_search_filters_and_state_counts(ids):
    engine, made = ids
    with Tx(engine) as tx:
        p = city("320100")
        found = listing.list_cases(tx.session, p, {"tab": "all", "q": "xuanwu"})
        assert names(found["items"], made) == {"xuanwu_county", "xuanwu_city", "xuanwu_province"}
        assert found["counts"][c.PENDING_COUNTY] == 1 and found["counts"][c.PENDING_CITY] == 1
        only_city = listing.list_cases(tx.session, p, {"tab": "all", "q": "xuanwu", "state": c.PENDING_CITY})
        assert names(only_city["items"], made) == {"xuanwu_city"}
        assert only_city["counts"] == found["counts"]  # counts ignore the state filter
        by_region = listing.list_cases(tx.session, province(), {"tab": "all", "region_code": "320100"})
        assert len(by_region["items"]) == 4
        by_county = listing.list_cases(tx.session, province(), {"tab": "all", "region_code": "320576"})
        assert names(by_county["items"], made) == {"sip_county"}
        code = listing.get_case(tx.session, p, made["qinhuai_county"])["credit_code"]
        by_code = listing.list_cases(tx.session, p, {"tab": "all", "credit_code": code.lower()})
        assert names(by_code["items"], made) == {"qinhuai_county"}
        none = listing.list_cases(tx.session, p, {"tab": "all", "q": "%"})
        assert none["total"] == 0  # LIKE wildcards are taken literally
        assert listing.list_cases(tx.session, p, {"tab": "all", "batch_id": "b2026"})["total"] == 4
        assert listing.list_cases(tx.session, p, {"tab": "all", "batch_id": "other"})["total"] == 0
        assert found["batches"] == [{"id": "b2026", "name": "b2026年度江苏省小型微型企业创业创新示范基地认定"}]


def test_pagination_and_processed_by_me(ids):
    engine, made = ids
    with Tx(engine) as tx:
        first = listing.list_cases(tx.session, admin(), {"tab": "all", "per_page": 4, "page": 1})
        second = listing.list_cases(tx.session, admin(), {"tab": "all", "per_page": 4, "page": 2})
        assert (first["total"], first["pages"], len(first["items"]), len(second["items"])) == (6, 2, 4, 2)
        assert not {i["declaration_id"] for i in first["items"]} & {i["declaration_id"] for i in second["items"]}
        rev = listing.get_case(tx.session, county("320102"), made["xuanwu_county"])["revision"]
    with Tx(engine) as tx:
        decisions.approve(tx, county("320102", id="me"), made["xuanwu_county"], rev)
        tx.commit()
    with Tx(engine) as tx:
        mine = listing.list_cases(tx.session, county("320102", id="me"), {"tab": "processed"})
        assert names(mine["items"], made) == {"xuanwu_county"}
        assert mine["tabs"]["processed"] == 1
        theirs = listing.list_cases(tx.session, county("320102", id="colleague"), {"tab": "processed"})
        assert theirs["total"] == 0
