"""Only the known warnings are let pass: eventlet's deprecation and nameko's
pkg_resources import, by category and module; any other warning shows."""
import os
import subprocess
import sys

from services.common.config import ROOT


def run(*args, code=None):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    command = [sys.executable, *args] if code is None else [sys.executable, *args, "-c", code]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_setup_step_starts_without_a_warning_and_without_w_ignore():
    result = run("-m", "services.common.setup", "--help")
    assert result.returncode == 0 and "Warning" not in result.stderr, result.stderr


def test_other_warnings_still_show():
    code = (
        "from services.common import known_warnings; known_warnings.quiet()\n"
        "import nameko.cli.main, nameko.rpc, kombu\n"
        "import warnings\n"
        "warnings.warn('something new', UserWarning)\n"
        "warnings.warn('old api', DeprecationWarning)\n"
    )
    result = run("-W", "default", code=code)
    assert "something new" in result.stderr and "old api" in result.stderr
    assert "Eventlet is deprecated" not in result.stderr and "pkg_resources" not in result.stderr


def test_nameko_run_gets_the_same_by_its_environment():
    from services.common import known_warnings

    env = dict(os.environ, PYTHONWARNINGS=known_warnings.PYTHONWARNINGS_FOR_NAMEKO)
    result = subprocess.run([sys.executable, "-c", "import sys; sys.argv = ['nameko', 'run', '--help']\n"
                             "from nameko.cli.main import main\nimport nameko.cli.run\nmain()"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert "Warning" not in result.stderr, result.stderr


def test_a_nameko_run_process_importing_its_service_shows_no_known_warning():
    """What `nameko run services.x.service:X` imports before it serves: the
    command's own modules and nameko's containers (eventlet's import)."""
    from services.common import known_warnings

    env = dict(os.environ, PYTHONWARNINGS=known_warnings.PYTHONWARNINGS_FOR_NAMEKO)
    code = "import nameko.cli.main, nameko.cli.commands, nameko.containers, services.tenants.service"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and "Warning" not in result.stderr, result.stderr
