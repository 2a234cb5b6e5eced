"""The page templates read as a whole: each macro and style rule defined once, and the shared macros' markup."""

from __future__ import annotations

import dataclasses
import re
import types
from collections import Counter
from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any, Union, get_args, get_origin, get_type_hints

import jinja2
import jinja2.meta
import pytest
from jinja2 import nodes
from markupsafe import Markup

from auditor.fleet.render import DiffPage, FleetPage
from auditor.fleet.render import environment as fleet_environment
from auditor.model import Grade
from auditor.report.html import ReportView, environment

PAGES = ("report.html.j2", "fleet.html.j2", "diff.html.j2")
MACROS = "macros.html.j2"
TEMPLATES = resources.files("auditor.report").joinpath("templates")


def _parse(name: str) -> nodes.Template:
    env = environment()
    source = TEMPLATES.joinpath(name).read_text("utf-8")
    return env.parse(source)


def test_every_macro_is_defined_in_one_template() -> None:
    defined = Counter(m.name for name in (*PAGES, MACROS) for m in _parse(name).find_all(nodes.Macro))
    assert [name for name, n in defined.items() if n > 1] == []
    assert {"grade", "head", "generated_footer"} <= {m.name for m in _parse(MACROS).find_all(nodes.Macro)}
    for page in PAGES:
        imports = [i for i in _parse(page).find_all(nodes.FromImport) if i.template.value == MACROS]  # type: ignore[attr-defined]
        assert len(imports) == 1, page


def test_the_fleet_stylesheet_only_adds_rules() -> None:
    def selectors(text: str) -> set[str]:
        text = re.sub(r"/\*.*?\*/|\{#.*?#\}", "", text, flags=re.S)
        return {s.strip() for s in re.findall(r"([^{}]+)\{", text) if not s.strip().startswith("@")}

    report = selectors(TEMPLATES.joinpath("report.css").read_text("utf-8"))
    fleet = TEMPLATES.joinpath("fleet.css.j2").read_text("utf-8")
    assert '{% include "report.css" %}' in fleet
    added = selectors(fleet.replace('{% include "report.css" %}', ""))
    assert len(added) == 17
    assert added & report == set()


def test_grade_macro() -> None:
    grade = environment().get_template(MACROS).module.grade  # type: ignore[attr-defined]
    assert grade(Grade.B, "some exposure") == Markup('<span class="grade gB" title="some exposure">B</span>')
    assert grade("F") == Markup('<span class="grade gF">F</span>')
    assert grade(None) == Markup('<span class="grade gX" title="not scored">–</span>')
    assert grade(None, "ignored") == grade(None)
    assert grade('"><b>', '"><i>') == Markup(
        '<span class="grade g&#34;&gt;&lt;b&gt;" title="&#34;&gt;&lt;i&gt;">&#34;&gt;&lt;b&gt;</span>'
    )


def test_head_macro_inlines_the_stylesheet_under_the_policy() -> None:
    template = environment().from_string(
        '{% from "macros.html.j2" import head %}{% call head(csp, "9.9", "report.css") %}{{ t }}{% endcall %}'
    )
    page = template.render(csp="default-src 'none'", t="<T>")
    assert page.startswith(
        '<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="generator" content="auditor 9.9">\n'
        "<title>&lt;T&gt;</title>\n"
        '<link rel="icon" href="data:,">\n<style>'
    )
    assert page.endswith("</style>\n")
    assert environment().get_template("report.css").render() in page
    with pytest.raises(jinja2.UndefinedError):
        template.render(t="no policy")  # a page without its policy fails rather than rendering without one


# --------------------------------------------------------------------------------------------------
# Each page's names are its view's fields: checked on the template text, so every branch is covered
# --------------------------------------------------------------------------------------------------


def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls) if dataclasses.is_dataclass(cls) else {}


def _classes(tp: Any) -> list[type]:
    """The classes a field's type stands for (``X | None`` is ``X``); none for containers and callables."""
    if get_origin(tp) in (Union, types.UnionType):
        return [c for arg in get_args(tp) for c in _classes(arg)]
    return [tp] if isinstance(tp, type) and tp is not type(None) else []


def _attribute_chains(ast: nodes.Template, roots: set[str]) -> Iterator[tuple[str, list[str], int]]:
    """``report.device.sdk`` as ("report", ["device", "sdk"], line) for every chain from a root name."""
    for node in ast.find_all(nodes.Getattr):
        parts: list[str] = []
        inner: nodes.Node = node
        while isinstance(inner, nodes.Getattr):
            parts.append(inner.attr)
            inner = inner.node
        if isinstance(inner, nodes.Name) and inner.name in roots:
            yield inner.name, parts[::-1], node.lineno


PAGE_VIEWS = [
    (environment, "report.html.j2", ReportView),
    (fleet_environment, "fleet.html.j2", FleetPage),
    (fleet_environment, "diff.html.j2", DiffPage),
]


@pytest.mark.parametrize(("env_of", "name", "view"), PAGE_VIEWS)
def test_template_names_are_its_view_fields_and_the_environment_helpers(
    env_of: Callable[[], jinja2.Environment], name: str, view: type
) -> None:
    env = env_of()
    ast = env.parse(TEMPLATES.joinpath(name).read_text("utf-8"))
    names = jinja2.meta.find_undeclared_variables(ast)
    fields = {f.name for f in dataclasses.fields(view)}
    assert fields - names == set(), "fields the page never reads"
    assert names - fields - set(env.globals) == set(), "names neither the view nor the environment has"
    assert fields & set(env.globals) == set(), "a field would hide a helper"
    # No loop or assignment reuses a field's name (the chains below would be checked against the wrong type).
    targets = {n.name for n in ast.find_all(nodes.Name) if n.ctx == "store"}
    assert targets & fields == set()


@pytest.mark.parametrize(("env_of", "name", "view"), PAGE_VIEWS)
def test_every_attribute_a_template_reads_from_its_view_exists(
    env_of: Callable[[], jinja2.Environment], name: str, view: type
) -> None:
    """``report.device.android_relase`` would fail only on a page that prints it; here it fails always."""
    ast = env_of().parse(TEMPLATES.joinpath(name).read_text("utf-8"))
    top = _hints(view)
    checked = 0
    for root, parts, line in _attribute_chains(ast, set(top)):
        tp = top[root]
        for attr in parts:
            classes = _classes(tp)
            if not classes:
                break  # a container, a callable or a plain value: not followed
            owners = [c for c in classes if attr in _hints(c) or hasattr(c, attr)]
            assert owners, f"{name}:{line}: {root}.{'.'.join(parts)}: no {attr!r} on {classes}"
            hinted = [_hints(c)[attr] for c in owners if attr in _hints(c)]
            if not hinted:
                break  # a property or an enum's value: it exists; its type is not followed
            tp = Union[tuple(hinted)] if len(hinted) > 1 else hinted[0]  # noqa: UP007 - built from a list
            checked += 1
    assert checked > 20
