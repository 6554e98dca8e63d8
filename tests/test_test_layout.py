"""The layout of the tests: a test module holds tests. What several modules
share lives in a conftest.py or in a support module (tests/support/, an
area's helpers or fixtures), never in another test module, so that running
one module never runs, or depends on, another's tests."""
import ast
from pathlib import Path


TESTS = Path(__file__).resolve().parent


def is_test_module(name):
    return name.rsplit(".", 1)[-1].startswith("test_")


def imported_test_modules(path):
    """The test modules that the module at `path` imports, by dotted name."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("tests.") and is_test_module(node.module):
                found.append(node.module)
            elif node.module.startswith("tests"):
                found += [f"{node.module}.{a.name}" for a in node.names if is_test_module(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.level:
            found += [f"{'.' * node.level}{node.module or ''}.{a.name}" for a in node.names
                      if is_test_module(a.name) or is_test_module(node.module or "")]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("tests.") and is_test_module(a.name)]
    return found


def test_the_check_sees_every_form_of_importing_a_test_module(tmp_path):
    module = tmp_path / "test_example.py"
    module.write_text(
        "from tests.gateway.test_intake import walk\n"
        "import tests.review.test_service\n"
        "from tests.declarations import test_printing\n"
        "from .test_health import ALL\n"
        "def later():\n"
        "    from tests.browser.test_declaration import LEDGER\n"
        "from tests.gateway.intake_walk import walk\n"
        "from tests.support.events import listen_events\n",
        encoding="utf-8",
    )
    assert imported_test_modules(module) == [
        "tests.gateway.test_intake", "tests.review.test_service", "tests.declarations.test_printing",
        ".test_health.ALL", "tests.browser.test_declaration",
    ]


def test_no_module_of_the_tests_imports_a_test_module():
    offenders = {
        str(path.relative_to(TESTS.parent)): imported
        for path in sorted(TESTS.rglob("*.py"))
        if (imported := imported_test_modules(path))
    }
    assert offenders == {}, "move what is shared into a conftest.py or a support module"


def test_the_gateway_tests_share_one_conftest_with_the_app_and_auth():
    conftest = ast.parse((TESTS / "gateway" / "conftest.py").read_text(encoding="utf-8"))
    fixtures = {node.name for node in conftest.body if isinstance(node, ast.FunctionDef)}
    assert {"app", "client", "auth"} <= fixtures
