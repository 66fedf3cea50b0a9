"""Every failure mode the runbook documents, found automatically: one FailureMode subclass per file here.

Adding a failure mode is adding one file, `chaos/modes/<name>.py` with class `<Name>` and `name = "<name>"` (dashes
in the mode name, underscores in the file, CamelCase in the class: `step3-force-restart`, `step3_force_restart.py`,
`Step3ForceRestart`), plus its test in chaos/test_chaos.py; `python -m chaos.toolkit` writes its experiment.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from chaos.failure_mode import FailureMode


def expected_names(mode_name: str) -> tuple[str, str]:
    """The file (module) and class a mode called `mode_name` lives in."""
    words = mode_name.split("-")
    return "_".join(words), "".join(word[:1].upper() + word[1:] for word in words)


def discover() -> dict[str, FailureMode]:
    """name -> an instance of every concrete FailureMode subclass in this package, in file order."""
    found: dict[str, FailureMode] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        modes = [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, FailureMode) and not inspect.isabstract(cls) and cls.__module__ == module.__name__
        ]
        if len(modes) != 1:
            raise TypeError(f"{module.__file__} defines {len(modes)} failure modes: one file holds exactly one")
        cls = modes[0]
        if expected_names(cls.name) != (info.name, cls.__name__):
            file, name = expected_names(cls.name)
            raise TypeError(f"mode {cls.name!r} is class {cls.__name__} in {info.name}.py: name it {name} in {file}.py")
        if cls.name in found:
            raise TypeError(f"two failure modes are named {cls.name!r}: {cls} and {type(found[cls.name])}")
        found[cls.name] = cls()
    return found


MODES: dict[str, FailureMode] = discover()
