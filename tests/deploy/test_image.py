"""deploy/Dockerfile and .dockerignore, checked without a Docker engine: a
pinned multi-stage build from the constraints file, a non-root user, CJK
fonts, and a build context that holds what the image copies and nothing of
the tests' dependencies."""
import ast
import fnmatch
import importlib.metadata
import re
import sys

import pytest

from services.common.config import ROOT

DOCKERFILE = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
IGNORE = [
    line.strip() for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]


def instructions():
    """(INSTRUCTION, arguments) with continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            yield word.upper(), rest.strip()


def in_context(path):
    """Whether .dockerignore lets `path` into the build context (last matching
    pattern wins; a directory pattern covers what is under it)."""
    included = True
    for pattern in IGNORE:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatch(p, pattern) or fnmatch.fnmatch(p, pattern.replace("**/", "")) for p in prefixes):
            included = negate
    return included


def runtime_requirements():
    """requirements.txt as the build stage filters it."""
    sed = re.search(r"sed (.+?) requirements.txt > runtime.txt", DOCKERFILE).group(1)
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    cut = re.search(r"-e '/\^([^/]+)/,\$d'", sed).group(1)
    dropped = set(re.findall(r"-e '/\^(\w+)\$/d'", sed))
    if any(line.startswith(cut) for line in lines):
        lines = lines[: next(i for i, line in enumerate(lines) if line.startswith(cut))]
    return [line for line in lines if line and not line.startswith("#") and line not in dropped]


def test_base_image_is_an_exact_python_311_slim_tag():
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", DOCKERFILE, re.M).group(1)
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", base), base
    froms = [args for word, args in instructions() if word == "FROM"]
    assert froms == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE} AS runtime"]


def test_dependencies_come_from_the_constraints_file():
    runs = " ".join(args for word, args in instructions() if word == "RUN")
    assert "-r runtime.txt -c constraints.txt" in runs
    assert "pip install -c constraints.txt setuptools" in runs  # nameko needs setuptools < 81


def test_the_runtime_has_no_test_dependency_and_every_dependency_of_the_code():
    runtime = {r.lower() for r in runtime_requirements()}
    assert {"nameko", "gunicorn", "boto3", "pg8000", "flask"} <= runtime
    assert not runtime & {"pytest", "playwright", "moto[s3]", "jsonschema", "kubernetes-validate", "flask-cors"}
    # Everything services/ and gateway/ import is stdlib, ours, or installed
    # by a runtime requirement (directly or as a dependency).
    test_only = {"pytest", "playwright", "moto", "jsonschema", "kubernetes-validate", "flask-cors"}
    dists = importlib.metadata.packages_distributions()
    for folder in ("services", "gateway"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    top = name.split(".")[0]
                    if top in sys.stdlib_module_names or top in ("services", "gateway"):
                        continue
                    owners = {o.lower() for o in dists.get(top, [])}
                    assert owners and not owners & test_only, f"{path.relative_to(ROOT)} imports {name}"


def test_the_process_runs_as_a_non_root_user():
    users = [args for word, args in instructions() if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert "useradd --system --uid 10001" in DOCKERFILE


def test_cjk_fonts_are_installed():
    assert "fonts-noto-cjk" in DOCKERFILE


def test_the_default_command_is_the_gateway_under_gunicorn_threads():
    cmd = [args for word, args in instructions() if word == "CMD"][-1]
    assert '"gunicorn"' in cmd and '"gthread"' in cmd and '"gateway.wsgi:app"' in cmd


def test_what_the_image_copies_exists_and_is_in_the_build_context():
    copies = [args.split() for word, args in instructions() if word == "COPY"]
    sources = [arg for parts in copies if not parts[0].startswith("--from") for arg in parts[:-1]
               if not arg.startswith("--")]
    assert "services" in sources and "gateway" in sources and "deploy/nameko.yaml" in sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert in_context(source), f"{source} is excluded by .dockerignore"
    assert in_context("services/common/config.py")


@pytest.mark.parametrize("path", [".git/config", ".venv/bin/python", "var/accounts.sqlite3", "tests/conftest.py",
                                  "deploy/.env", "services/__pycache__/x.pyc", "bench/load.py"])
def test_the_build_context_leaves_out_what_the_image_must_not_hold(path):
    assert not in_context(path)


def test_every_process_of_the_image_lets_only_the_known_warnings_pass():
    """`nameko run` cannot call known_warnings.quiet() before it imports
    eventlet: the image's environment names the same filters, by category and
    module, for every container (compose and Kubernetes alike); no blanket ignore."""
    from services.common import known_warnings
    from tests.deploy import deployfiles as d

    filters = d.dockerfile_env()["PYTHONWARNINGS"]
    assert filters == known_warnings.PYTHONWARNINGS_FOR_NAMEKO
    for item in filters.split(","):  # action:message:category:module, each filter a category and a module
        action, _message, category, module = item.split(":")
        assert action == "ignore" and category and module.startswith("nameko."), item
