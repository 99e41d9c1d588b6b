"""The API reference (doc/api.rst) lists every public class and function."""

import importlib
import inspect
import re
from pathlib import Path

import pytest

API = Path(__file__).parents[1] / "doc" / "api.rst"
MODULES = [
    "skrnn",
    "skrnn.preprocessing",
    "skrnn.forecasting",
    "skrnn.datasets",
    "skrnn.utils",
    "skrnn.exceptions",
]


def _public(module_name):
    """Classes and functions a user imports from the module: its __all__, or
    what it defines (not imports) without a leading underscore."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            name
            for name, value in vars(module).items()
            if not name.startswith("_")
            and (inspect.isclass(value) or inspect.isfunction(value))
            and value.__module__ == module_name
        ]
    return sorted(n for n in names if not n.startswith("__"))


def _documented():
    """module -> names listed under its ``.. currentmodule::``."""
    listed, current = {}, None
    for line in API.read_text().splitlines():
        match = re.match(r"\.\. currentmodule:: (\S+)", line)
        if match:
            current = match.group(1)
        elif current and re.match(r"   [A-Za-z]\w*$", line):
            listed.setdefault(current, set()).add(line.strip())
    return listed


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_name_is_in_the_api_reference(module_name):
    public = _public(module_name)
    assert public, module_name
    missing = sorted(set(public) - _documented().get(module_name, set()))
    assert not missing, f"{module_name}: not in doc/api.rst: {missing}"
