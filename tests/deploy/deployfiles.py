"""What the deploy/ checks share: deploy/compose.yaml read as `docker compose`
reads it, without an engine (YAML with merge keys, then variable
interpolation by the Compose specification's rules); the settings the code
reads; the commands the image runs."""
import importlib
import re

import yaml

from services.common import contracts as c
from services.common.config import ROOT

COMPOSE_FILE = ROOT / "deploy" / "compose.yaml"
ENV_EXAMPLE = ROOT / "deploy" / "env.example"

_VAR = re.compile(
    r"\$(?:(?P<escaped>\$)|(?P<plain>[A-Za-z_][A-Za-z0-9_]*)"
    r"|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\})"
)


class MissingVariable(ValueError):
    pass


def interpolate_text(text, env):
    def replace(match):
        if match.group("escaped"):
            return "$"
        name = match.group("plain") or match.group("name")
        op, arg = match.group("op"), match.group("arg") or ""
        value = env.get(name)
        unset = value is None
        empty = unset or value == ""
        if op in (":-", "-"):
            return arg if (empty if op == ":-" else unset) else value
        if op in (":?", "?"):
            if empty if op == ":?" else unset:
                raise MissingVariable(f"{name}: {arg}")
            return value
        if op in (":+", "+"):
            return "" if (empty if op == ":+" else unset) else arg
        return "" if unset else value

    return _VAR.sub(replace, text)


def interpolate(node, env):
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(value, env) for value in node]
    if isinstance(node, str):
        return interpolate_text(node, env)
    return node


def raw():
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def env_example_names():
    names = []
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.append(line.split("=", 1)[0])
    return names


def sample_env():
    """Every variable of env.example set, as an operator would."""
    return {name: f"{name.lower().replace('_', '-')}-value-0123456789" for name in env_example_names()}


def load(env=None):
    return interpolate(raw(), sample_env() if env is None else env)


def environment(service_def):
    env = service_def.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {key: None if value is None else str(value) for key, value in env.items()}


# --- the settings the code reads ---------------------------------------------

NAMEKO_YAML = ROOT / "deploy" / "nameko.yaml"


def known_settings():
    """Every environment variable a process of the image reads: the
    contracts' ENV_* names (read through services.common.config), each
    service's database URL, and what deploy/nameko.yaml substitutes."""
    names = {value for key, value in vars(c).items() if key.startswith("ENV_") and isinstance(value, str)}
    names.discard(c.ENV_SERVICE_DATABASE_URL)
    names |= {c.service_database_env(s) for s in c.SERVICES}
    names |= set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", NAMEKO_YAML.read_text(encoding="utf-8")))
    return names


# --- the commands the image runs -----------------------------------------------

def nameko_target(command):
    """The `module:Class` a `nameko run --config deploy/nameko.yaml ...` command runs."""
    assert command[:4] == ["nameko", "run", "--config", "deploy/nameko.yaml"], command
    assert len(command) == 5, command
    return command[4]


def service_classes(target):
    """What `nameko run TARGET` would run (nameko's own discovery)."""
    from nameko.cli.run import import_service

    return import_service(target)


def wsgi_app(target):
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)
