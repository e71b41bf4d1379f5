"""The narrative: Jinja placeholders filled, then Markdown turned into numbered official headings.

Heading levels number themselves as official documents do: `#` 一、 (黑体), `##` （一） (楷体),
`###` 1． and `####` （1） (仿宋). Level 3 and 4 headings are run-in: the heading starts the
next paragraph. A level-2 heading ending in "。" is run-in too (as in sections 二 and 三).
"""

from __future__ import annotations

from html import escape
from typing import Any

import jinja2
from markdown_it import MarkdownIt

DIGITS = "零一二三四五六七八九"


class NarrativeError(ValueError):
    """The narrative uses Markdown the official form has no place for."""


def chinese_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十 (numbering never goes past 99)."""
    tens, ones = divmod(n, 10)
    return (DIGITS[tens] if tens > 1 else "") + ("十" if tens else "") + (DIGITS[ones] if ones or not tens else "")


def heading_number(level: int, n: int) -> str:
    return {1: f"{chinese_numeral(n)}、", 2: f"（{chinese_numeral(n)}）", 3: f"{n}．", 4: f"（{n}）"}[level]


def fill_placeholders(narrative: str, context: dict[str, Any], filters: dict[str, Any]) -> str:
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    environment.filters.update(filters)
    return environment.from_string(narrative).render(**context)


def narrative_html(markdown: str) -> str:
    """Headings and paragraphs as HTML, headings numbered, cell text escaped."""
    md = MarkdownIt("commonmark", {"html": False})
    tokens = md.parse(markdown)
    counters = [0, 0, 0, 0]
    html: list[str] = []
    run_in: str | None = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open":
            level = int(token.tag[1])
            if level > 4:
                raise NarrativeError(f"line {token.map[0] + 1}: headings go four levels deep (# to ####)")
            counters[level - 1] += 1
            counters[level:] = [0] * (4 - level)
            text = md.renderer.renderInline(tokens[i + 1].children, md.options, {})
            numbered = f'<span class="number">{heading_number(level, counters[level - 1])}</span>{text}'
            if level >= 3 or text.endswith("。"):
                run_in = f'<span class="run-in level-{level}">{numbered}</span>'
            else:
                html.append(f'<h{level + 1} class="level-{level}">{numbered}</h{level + 1}>')
            i += 3
        elif token.type == "paragraph_open":
            text = md.renderer.renderInline(tokens[i + 1].children, md.options, {})
            html.append(f"<p>{run_in or ''}{text}</p>")
            run_in = None
            i += 3
        else:
            line = token.map[0] + 1 if token.map else "?"
            raise NarrativeError(f"line {line}: only headings and paragraphs belong in the narrative, not {escape(token.type)}")
    if run_in:
        html.append(f"<p>{run_in}</p>")
    return "\n".join(html)
