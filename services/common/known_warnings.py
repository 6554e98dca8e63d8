"""The warnings this system knows and lets pass, each named by category,
message and module; every other warning shows as Python shows it.

- eventlet says once, when first imported, that it is deprecated
  (EventletDeprecationWarning): nameko runs on it;
- nameko's command line imports pkg_resources (UserWarning from
  nameko.cli.main);
- DeprecationWarnings raised inside eventlet, nameko and kombu themselves.

Entry points (`python -m services.common.setup`, deploy/local.py, the
benchmarks) call `quiet()` before importing anything else. `nameko run`
processes get the same by PYTHONWARNINGS (`PYTHONWARNINGS_FOR_NAMEKO`),
which cannot name eventlet's own category without importing it first.
"""
import warnings

PKG_RESOURCES = r"pkg_resources is deprecated"
EVENTLET = r"\s*Eventlet is deprecated"
LIBRARIES = r"(eventlet|nameko|kombu)(\..*)?$"

# For the environment of `nameko run`: by message, category and module.
PYTHONWARNINGS_FOR_NAMEKO = ",".join((
    f"ignore:{PKG_RESOURCES}:UserWarning:nameko.cli.main",
    # Only eventlet's deprecation, on its import by whichever of these comes first.
    "ignore::Warning:nameko.cli.run",
    "ignore::Warning:nameko.cli.commands",
    "ignore::Warning:nameko.containers",
))


def quiet():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=EVENTLET)
        import eventlet
    warnings.filterwarnings("ignore", category=eventlet.EventletDeprecationWarning)
    warnings.filterwarnings("ignore", message=PKG_RESOURCES, category=UserWarning, module=r"nameko\.cli\.main")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=LIBRARIES)
