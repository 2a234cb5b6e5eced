"""The page templates read as a whole: each macro and style rule defined once, and the shared macros' markup."""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources

import jinja2
import pytest
from jinja2 import nodes
from markupsafe import Markup

from auditor.model import Grade
from auditor.report.html import environment

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
