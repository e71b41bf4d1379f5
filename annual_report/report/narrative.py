"""The narrative: Jinja placeholders filled, then Markdown turned into numbered official headings.

Heading levels number themselves as official documents do: `#` 一、 (黑体), `##` （一） (楷体),
`###` 1． and `####` （1） (仿宋). Level 3 and 4 headings are run-in: the heading starts the
next paragraph. A level-2 heading ending in "。" is run-in too (as in sections 二 and 三).
The result is a list of blocks of plain-text runs, each run in the style of its heading level or
of the body, ready to be set into lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jinja2
from markdown_it import MarkdownIt
from markdown_it.token import Token

DIGITS = "零一二三四五六七八九"
BODY = "body"


class NarrativeError(ValueError):
    """The narrative uses Markdown the official form has no place for."""


@dataclass(frozen=True)
class Run:
    """Text in one style: `body`, or `level-1` to `level-4` for heading text."""

    text: str
    style: str = BODY


@dataclass(frozen=True)
class Block:
    """A block heading (level 1 or 2) or a paragraph (level 0), possibly opened by a run-in heading."""

    level: int
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


def chinese_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十 (numbering never goes past 99)."""
    tens, ones = divmod(n, 10)
    return (DIGITS[tens] if tens > 1 else "") + ("十" if tens else "") + (DIGITS[ones] if ones or not tens else "")


def heading_number(level: int, n: int) -> str:
    """The number of the n-th heading of a level: 一、 （一） 1． （1）."""
    return {1: f"{chinese_numeral(n)}、", 2: f"（{chinese_numeral(n)}）", 3: f"{n}．", 4: f"（{n}）"}[level]


def fill_placeholders(narrative: str, context: dict[str, Any], filters: dict[str, Any]) -> str:
    """Render the narrative's `{{ m.<metric> | filter }}` placeholders; a placeholder Jinja cannot read (a brace
    missing, a filter that does not exist) is a NarrativeError naming its line."""
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    environment.filters.update(filters)
    try:
        template = environment.from_string(narrative)
    except jinja2.TemplateSyntaxError as error:
        raise NarrativeError(f"line {error.lineno} of the narrative: {error.message} (filters: "
                             f"{', '.join(sorted(filters))})") from None
    return template.render(**context)


def _plain_text(inline: Token) -> str:
    """The text of an inline token; emphasis, links, code and the like have no place in the form."""
    parts = []
    for child in inline.children or []:
        if child.type == "text":
            parts.append(child.content)
        elif child.type != "softbreak":  # a line break inside a Chinese paragraph joins without a space
            raise NarrativeError(f"line {inline.map[0] + 1}: only plain text belongs in a paragraph, not {child.type}")
    return "".join(parts)


def narrative_blocks(markdown: str) -> list[Block]:
    """Headings and paragraphs as blocks, headings numbered, run-in headings opening their paragraph."""
    tokens = MarkdownIt("commonmark", {"html": False}).parse(markdown)
    counters = [0, 0, 0, 0]
    blocks: list[Block] = []
    run_in: Run | None = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open":
            level = int(token.tag[1])
            if level > 4:
                raise NarrativeError(f"line {token.map[0] + 1}: headings go four levels deep (# to ####)")
            counters[level - 1] += 1
            counters[level:] = [0] * (4 - level)
            heading = Run(heading_number(level, counters[level - 1]) + _plain_text(tokens[i + 1]), f"level-{level}")
            if level >= 3 or heading.text.endswith("。"):
                run_in = heading
            else:
                blocks.append(Block(level, (heading,)))
            i += 3
        elif token.type == "paragraph_open":
            body = Run(_plain_text(tokens[i + 1]))
            blocks.append(Block(0, (run_in, body) if run_in else (body,)))
            run_in = None
            i += 3
        else:
            line = token.map[0] + 1 if token.map else "?"
            raise NarrativeError(f"line {line}: only headings and paragraphs belong in the narrative, not {token.type}")
    if run_in:
        blocks.append(Block(0, (run_in,)))
    return blocks
