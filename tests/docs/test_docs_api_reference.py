"""Every public name of every public module is in the API reference.

The public modules are the ones that define ``__all__`` (found by walking the package, so a new
module is covered without editing this test); their names are read when the test runs. A name
counts as present when the built site's inventory (``objects.inv``) documents the same object
under that name, on that module's page or on the page of the module that owns it.
"""
from __future__ import annotations

import importlib
import pkgutil
import types

import pytest
from conftest import read_inventory, sphinx_warnings

import minigrad

pytest.importorskip("sphinx", reason="the docs extra is not installed (pip install -e .[docs])")


def public_modules() -> list[str]:
    names = ["minigrad"]
    for info in pkgutil.walk_packages(minigrad.__path__, "minigrad."):
        parts = info.name.split(".")
        if parts[-1] == "__main__" or any(p.startswith("_") for p in parts):
            continue
        if hasattr(importlib.import_module(info.name), "__all__"):
            names.append(info.name)
    return names


def _resolve(dotted: str):
    """The object a documented name refers to, or None (a method, an attribute)."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for p in parts[cut:]:
            obj = getattr(obj, p, None)
        return obj
    return None


def test_public_modules_found():
    mods = public_modules()
    for expected in ("minigrad", "minigrad.nn", "minigrad.ops", "minigrad.multitask"):
        assert expected in mods


def test_the_api_build_has_no_warnings(api_site):
    html, run, seconds = api_site
    assert run.returncode == 0 and not sphinx_warnings(run), run.stderr[-4000:]


def test_every_public_name_is_documented(api_site):
    html, run, _ = api_site
    assert run.returncode == 0, run.stderr[-4000:]
    inventory = read_inventory(html / "objects.inv")
    documented = set()  # (id of the object, the name it is documented under)
    for name, role in inventory.items():
        if role in ("py:function", "py:class", "py:exception", "py:data", "py:module"):
            obj = _resolve(name) if role != "py:module" else importlib.import_module(name)
            if obj is not None:
                documented.add((id(obj), name.rsplit(".", 1)[-1]))
    missing = []
    for modname in public_modules():
        if inventory.get(modname) != "py:module":
            missing.append(f"{modname} (the module has no page)")
        module = importlib.import_module(modname)
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, types.ModuleType) and obj.__name__.startswith("minigrad"):
                if inventory.get(obj.__name__) != "py:module":
                    missing.append(f"{modname}.{name} (module {obj.__name__} has no page)")
            elif (id(obj), name) not in documented:
                missing.append(f"{modname}.{name}")
    assert not missing, f"{len(missing)} public names not in the API reference: {missing}"


def test_the_check_would_notice_a_missing_name(api_site):
    """A name the reference does not have is reported (the comparison is not vacuous)."""
    html, _, _ = api_site
    inventory = read_inventory(html / "objects.inv")
    assert "minigrad.nn.Linear" in inventory and "minigrad.ops.add" in inventory
    assert "minigrad.nn.NoSuchLayer" not in inventory
    assert len([n for n, r in inventory.items() if r == "py:function"]) > 100
