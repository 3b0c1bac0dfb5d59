"""The user-facing Markdown pages (README, docs/, CHANGELOG) and their code blocks, for the tests
that run every block and command and check every link."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
# A ```lang block, optionally preceded by <!-- docs-fixture: NAME --> on the line before.
_BLOCK = re.compile(r"(?:<!-- docs-fixture: (?P<fixture>[\w-]+) -->\n)?```(?P<lang>\w*)\n(?P<code>.*?)```", re.S)


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    lang: str
    code: str
    fixture: str | None

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(lang: str | None = None) -> list[Block]:
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in _BLOCK.finditer(text):
            line = text.count("\n", 0, match.start("code"))  # the fence's line, 1-based
            block = Block(page, line, match["lang"], match["code"], match["fixture"])
            if lang is None or block.lang == lang:
                found.append(block)
    return found


def prose(page: Path) -> str:
    """The page without its code blocks."""
    return _BLOCK.sub("", page.read_text())
