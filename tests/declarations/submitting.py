"""A declaration filled and submitted through the declarations service (v1,
two tenants through intake), waiting until it reaches a state, and whether
its intake is still open."""
from services.common import contracts as c
from services.declarations import sections as s
from tests.declarations.fixtures import add_tenants, proxy
from tests.declarations.helpers import application, ledger_row, partner, person


def submitted_declaration(config, batch, owner):
    """A declaration of `owner` filled, with two tenants, and submitted (v1)."""
    with proxy(c.DECLARATIONS, config, owner) as decl:
        did = decl.start(batch["id"], accepted=True, profile={"enterprise_name": "南京玄武创业服务有限公司"})["id"]
        fill_declaration(decl, did)
        add_tenants(config, owner, did, count=2)
        assert decl.submit(did)["submitted"]
    return did


def fill_declaration(decl, did):
    decl.save_section(did, s.APPLICATION, application())
    for row in (person(), person(name="钱七", category="创业辅导师")):
        decl.save_row(did, s.PERSONNEL, row)
    decl.save_row(did, s.PARTNERS, partner())
    decl.save_row(did, s.LEDGER, ledger_row())


def wait_for_state(config, principal, did, check, tries=300):
    import eventlet

    with proxy(c.DECLARATIONS, config, principal) as decl:
        for _ in range(tries):
            view = decl.get(did)
            if check(view):
                return view
            eventlet.sleep(0.05)
    raise AssertionError(f"the declaration never got there: {view['state']}")


def intake_open(config, owner, did):
    with proxy(c.TENANTS, config, owner) as tenants:
        return tenants.link_status(did)["intake_open"]
