"""Sphinx extension: the API reference, generated from each module's ``__all__``.

``.. minigrad-module:: minigrad.nn`` documents one module: its docstring, a summary table, and
every public name it owns. The public names are ``__all__`` (or, for a module without one, the
classes and functions defined in it whose names do not start with ``_``), read when the docs are
built, so a name added to ``__all__`` appears without editing the docs.

Each object is documented once, on its *owner*'s page: the module that defines it when that
module has a page, else the most specific documented module that exports it (``minigrad.add`` is
documented under :mod:`minigrad.ops`). Other pages that export it link there. The documented
modules are the config value ``minigrad_api_modules`` (from ``docs/conf.py``); a public name that
is a minigrad module without a page, or a directive for a module not in that list, is a warning,
which ``-W`` makes an error.
"""
from __future__ import annotations

import importlib
import inspect
import re
import types

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)


def public_names(module: types.ModuleType) -> list[str]:
    """``__all__``, or the classes and functions a module without one defines publicly."""
    if hasattr(module, "__all__"):
        return list(dict.fromkeys(module.__all__))
    return [n for n, v in vars(module).items() if not n.startswith("_")
            and (inspect.isclass(v) or inspect.isfunction(v))
            and getattr(v, "__module__", None) == module.__name__]


def owner(obj, name: str, documented: list[str]) -> str | None:
    """The documented module whose page describes ``obj`` (exported as ``name`` somewhere)."""
    home = getattr(obj, "__module__", None)
    cands = [m for m in documented if _exports(m, name, obj)]
    if home in cands:
        return home
    return max(cands, key=lambda m: (m.count("."), -documented.index(m))) if cands else None


def _exports(modname: str, name: str, obj) -> bool:
    mod = importlib.import_module(modname)
    return name in public_names(mod) and getattr(mod, name, None) is obj


def kind(obj) -> str:
    if isinstance(obj, types.ModuleType):
        return "module" if obj.__name__.split(".")[0] == "minigrad" else "data"
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    if callable(obj) and hasattr(obj, "__name__"):
        return "function"
    return "data"


def _signature(obj) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(*args, **kwargs)"


def module_rst(modname: str, documented: list[str]) -> tuple[list[str], list[str]]:
    """The reST for one module's page section, and the problems found (warnings)."""
    mod = importlib.import_module(modname)
    names = public_names(mod)
    lines = [f".. automodule:: {modname}", "   :no-members:", ""]
    problems: list[str] = []
    owned, links, submods = [], [], []
    for name in names:
        if not hasattr(mod, name):
            problems.append(f"{modname}.__all__ names {name!r}, which the module does not have")
            continue
        obj = getattr(mod, name)
        if kind(obj) == "module":
            if obj.__name__.startswith("minigrad") and obj.__name__ not in documented:
                problems.append(f"{modname} exports the module {obj.__name__}, which has no "
                                "page: add it to minigrad_api_modules in docs/conf.py and to a "
                                "page under docs/api/")
            submods.append(obj.__name__ if obj.__name__ in documented else None)
            continue
        where = owner(obj, name, documented)
        (owned if where == modname else links).append((name, obj, where))
    if submods:
        mods = ", ".join(f":mod:`{m}`" for m in submods if m)
        if mods:
            lines += [f"Submodules: {mods}.", ""]
    if owned:
        lines += _summary_table(modname, owned)
    if links:
        refs = ", ".join(f":py:obj:`{name} <{where}.{_canonical(obj, name, where)}>`"
                         for name, obj, where in links)
        lines += [f"Also exported here (documented where they are defined): {refs}.", ""]
    lines += _describe(modname, owned)
    return lines, problems


def _summary_table(modname: str, owned: list) -> list[str]:
    """A two-column table: each owned name (linked) and the first sentence of its docstring."""
    lines = [".. list-table::", "   :widths: 30 70", "   :class: minigrad-summary", ""]
    for name, obj, _ in owned:
        lines += [f"   * - :py:obj:`~{modname}.{name}`", f"     - {summary(obj, name, modname)}"]
    return lines + [""]


def summary(obj, name: str, modname: str) -> str:
    """The first sentence of ``obj``'s docstring, never cut inside inline markup."""
    if _foreign(obj) or kind(obj) == "data":
        return f"``{type(obj).__name__}``" if kind(obj) == "data" else "from " + obj.__module__
    canon = _canonical(obj, name, modname)
    if canon != name:
        return f"Another name for ``{canon}``."
    doc = inspect.getdoc(obj) or ""
    para = " ".join(doc.split("\n\n")[0].split())
    out = ""
    for part in re.split(r"(?<!e\.g\.)(?<!i\.e\.)(?<=[.:])\s+", para):
        out = f"{out} {part}".strip()
        if out.count("``") % 2 == 0 and out.replace("**", "").count("*") % 2 == 0 \
                and out.count("`") % 2 == 0:
            break
    return out.rstrip(":") if out.count("``") % 2 == 0 else "(see below)"


def _canonical(obj, name: str, where: str) -> str:
    """The name ``obj`` is described under on its owner's page (its own name if exported)."""
    own = getattr(obj, "__name__", None)
    if own and own != name and _exports(where, own, obj):
        return own
    return name


def _foreign(obj) -> bool:
    """A class or function from another library (NumPy's ``ndarray``), exported as it is."""
    return kind(obj) in ("class", "exception", "function") and not str(
        getattr(obj, "__module__", "")).startswith("minigrad")


def _describe(modname: str, owned: list) -> list[str]:
    lines: list[str] = []
    for name, obj, _ in owned:
        full = f"{modname}.{name}"
        k = kind(obj)
        canon = _canonical(obj, name, modname)
        if _foreign(obj):
            lines += [f".. py:data:: {name}", f"   :module: {modname}", "",
                      f"   ``{obj.__module__}.{obj.__qualname__}``, exported as it is.", ""]
        elif canon != name:
            lines += [f".. py:function:: {name}{_signature(obj)}", f"   :module: {modname}", "",
                      f"   Another name for :py:obj:`~{modname}.{canon}`.", ""]
        elif k == "class":
            lines += [f".. autoclass:: {full}", "   :members:", "   :show-inheritance:", ""]
        elif k == "exception":
            lines += [f".. autoexception:: {full}", "   :show-inheritance:", ""]
        elif k == "function":
            lines += [f".. autofunction:: {full}", ""]
        else:
            text = repr(obj)
            text = text if len(text) <= 70 else text[:67] + "..."
            lines += [f".. py:data:: {name}", f"   :module: {modname}", "", f"   ``{text}``", ""]
    return lines


class MinigradModule(SphinxDirective):
    """``.. minigrad-module:: NAME``: one module of the API reference (see the module doc)."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        modname = self.arguments[0]
        documented = list(self.config.minigrad_api_modules)
        if modname not in documented:
            logger.warning("minigrad-module %s is not in minigrad_api_modules (docs/conf.py)",
                           modname, location=self.get_location())
        lines, problems = module_rst(modname, documented)
        for p in problems:
            logger.warning(p, location=self.get_location())
        node = nodes.section()
        node.document = self.state.document
        source = f"<minigrad-module {modname}>"
        nested_parse_with_titles(self.state, StringList(lines, source=source), node)
        return node.children


def setup(app):
    app.add_config_value("minigrad_api_modules", [], "env")
    app.add_directive("minigrad-module", MinigradModule)
    return {"parallel_read_safe": True, "version": "1"}
