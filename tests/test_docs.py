"""The docs hold together: relative links resolve (files and headings), every page is reachable
from the README, the API reference generator documents the public constructs, and
``shared_sms.__version__`` is the project's version."""

from __future__ import annotations

import html
import importlib.metadata
import inspect
import re
import sys
import tomllib
from pathlib import Path

import pytest

import shared_sms
from tests.conftest import ROOT
from tests.docs_pages import PAGES, prose

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} (.+)$", prose(page), re.M):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(page: Path) -> list[tuple[Path, str]]:
    out = []
    for target in LINK.findall(prose(page)):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        out.append(((page.parent / path).resolve() if path else page, anchor))
    return out


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve_to_files_and_headings(page: Path) -> None:
    broken = []
    for target, anchor in relative_links(page):
        if not target.exists():
            broken.append(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: no such file")
        elif anchor and (target.suffix != ".md" or anchor not in anchors(target)):
            broken.append(f"{target.relative_to(ROOT)}#{anchor}: no such heading")
    assert broken == []


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {target for target, _ in relative_links(ROOT / "README.md")}
    assert sorted(p.name for p in (ROOT / "docs").glob("*.md") if p.resolve() not in linked) == []


def test_the_readme_keeps_the_two_set_up_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make synth" in readme and "make test" in readme


def test_make_docs_documents_every_public_construct(tmp_path: Path) -> None:
    assert "python tools/build_api_docs.py $(API_DOCS)" in (ROOT / "Makefile").read_text()
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import build_api_docs
    finally:
        sys.path.remove(str(ROOT / "tools"))
    assert build_api_docs.main([str(tmp_path / "api")]) == 0
    page = (tmp_path / "api" / "shared_sms.html").read_text()
    assert set(shared_sms.__all__) <= set(re.findall(r'<section id="(\w+)">', page))
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())
    for name in shared_sms.__all__:  # with its docstring
        first_line = (inspect.getdoc(getattr(shared_sms, name)) or "").splitlines()[0]
        assert " ".join(first_line.replace("``", "").split()) in text, name


def test_version_is_the_projects() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert shared_sms.__version__ == pyproject["project"]["version"]


def test_version_from_a_source_tree_never_installed_is_pyprojects(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(shared_sms._metadata, "version", not_installed)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert shared_sms._version() == pyproject["project"]["version"]
