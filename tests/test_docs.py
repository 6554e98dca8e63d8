"""docs/contracts.md names every RPC a service answers and every event: an
RPC or event added to the code and not to the page fails here."""
import importlib
import inspect
import re
from pathlib import Path

from services.common import contracts as c
from services.common.entrypoints import SecureRpc

DOCS = Path(__file__).resolve().parent.parent / "docs"
RPC_CONSTANT = re.compile(r"(RPC|ACCOUNTS|TENANTS|DECLARATIONS|REVIEW|NOTIFY)_[A-Z_]+")


def documented(name, text):
    return f"`{name}`" in text


def service_rpcs():
    """(service, method) of every RPC entrypoint of the five service classes."""
    found = set()
    for service, path in c.SERVICE_CLASSES.items():
        module, cls = path.split(":")
        for name, member in inspect.getmembers(getattr(importlib.import_module(module), cls), callable):
            if any(isinstance(e, SecureRpc) for e in getattr(member, "nameko_entrypoints", ())):
                found.add((service, name))
    return found


def contract_rpcs():
    """The RPC names the contracts give a constant."""
    return {value for key, value in vars(c).items()
            if RPC_CONSTANT.fullmatch(key) and isinstance(value, str) and value.isidentifier()}


def test_the_contract_lists_are_read_as_they_are():
    assert ("review", "approve") in service_rpcs() and ("accounts", "login") in service_rpcs()
    assert {"approve", "open_link", "resolve_session", "log_read"} <= contract_rpcs()
    assert "REVIEW" not in contract_rpcs() and "review" not in contract_rpcs()


def test_every_rpc_is_in_the_contracts_page():
    text = (DOCS / "contracts.md").read_text(encoding="utf-8")
    names = contract_rpcs() | {name for _service, name in service_rpcs()}
    assert sorted(n for n in names if not documented(n, text)) == []


def test_every_event_and_sms_template_is_in_the_contracts_page():
    text = (DOCS / "contracts.md").read_text(encoding="utf-8")
    events = {event for _source, event in c.EVENTS} | set(c.EVENT_CAUSES) | set(c.SEQUENCED_EVENTS)
    templates = {value for key, value in vars(c).items() if key.startswith("SMS_") and key != "SMS_REQUESTED"}
    assert sorted(e for e in events | templates if not documented(e, text)) == []


def test_every_state_is_in_the_states_page():
    text = (DOCS / "states.md").read_text(encoding="utf-8")
    missing = [state for state, label in c.STATE_LABELS.items() if not (documented(state, text) and label in text)]
    assert missing == []
