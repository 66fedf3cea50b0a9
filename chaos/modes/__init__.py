"""Every failure mode the runbook documents, found automatically: each module here defines FailureMode subclasses.

Adding a failure mode is adding one file with one subclass (plus its test in chaos/test_chaos.py).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from chaos.modes.base import FailureMode


def discover() -> dict[str, FailureMode]:
    """name -> an instance of every concrete FailureMode subclass in this package, in file order."""
    found: dict[str, FailureMode] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            concrete = not inspect.isabstract(cls) and hasattr(cls, "name")  # a shared base names no mode
            if issubclass(cls, FailureMode) and concrete and cls.__module__ == module.__name__:
                if cls.name in found:
                    raise TypeError(f"two failure modes are named {cls.name!r}: {cls} and {type(found[cls.name])}")
                found[cls.name] = cls()
    return found


MODES: dict[str, FailureMode] = discover()
