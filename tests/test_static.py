"""The site's JavaScript: small native modules, no URL of their own, every import preloaded."""

import hashlib
import re
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
JS = BASE_DIR / "static" / "js"
OWN_JS = sorted(path for path in JS.rglob("*.js") if "vendor" not in path.parts)
MAX_LINES = 300
URL_OF_OURS = re.compile(r"/(practice|playground|exercises)/")
IMPORT = re.compile(r"""^import .* from "(\.{1,2}/[^"]+)";$""", re.MULTILINE)


def imports(module: Path) -> set[Path]:
    """Every module `module` imports, directly or through others."""
    found: set[Path] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        for target in IMPORT.findall(current.read_text()):
            path = (current.parent / target).resolve()
            if path not in found:
                found.add(path)
                todo.append(path)
    return found


@pytest.mark.parametrize("path", OWN_JS, ids=lambda path: str(path.relative_to(JS)))
def test_each_script_is_small(path: Path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(BASE_DIR)} has {lines} lines: split it"


@pytest.mark.parametrize("path", OWN_JS, ids=lambda path: str(path.relative_to(JS)))
def test_no_script_holds_a_url_of_ours(path: Path):
    # Every URL comes from the page, filled in by {% url %}.
    lines = [line for line in path.read_text().splitlines() if re.search(URL_OF_OURS, line)]
    assert not lines, f"{path.relative_to(BASE_DIR)} names a URL: {lines}"


def preloaded(template: str) -> set[Path]:
    return {
        (JS.parent / href).resolve()
        for href in re.findall(
            r"""<link rel="modulepreload" href="\{% static '([^']+)' %\}">""",
            (BASE_DIR / "templates" / template).read_text(),
        )
    }


def test_every_module_the_panel_imports_is_preloaded():
    assert preloaded("playground/_panel_scripts.html") == imports(JS / "demo" / "panel.js")


def test_every_module_the_exercise_block_imports_is_preloaded():
    assert preloaded("exercises/_scripts.html") == imports(JS / "exercise" / "block.js")


def test_the_vendored_editor_says_what_it_is():
    vendor = BASE_DIR / "static" / "vendor" / "codemirror"
    readme = (vendor / "README.md").read_text()
    assert "5.65.21" in readme and "MIT" in readme
    assert (vendor / "LICENSE").read_text().startswith("MIT License")
    assert 'CodeMirror.version = "5.65.21"' in (vendor / "codemirror.js").read_text()


def test_the_vendored_accessibility_checker_is_the_file_its_readme_names():
    vendor = BASE_DIR / "static" / "vendor" / "axe-core"
    readme = (vendor / "README.md").read_text()
    script = (vendor / "axe.min.js").read_bytes()
    assert script.startswith(b"/*! axe v4.14.1") and "4.14.1" in readme
    assert hashlib.sha256(script).hexdigest() in readme
    assert (vendor / "LICENSE").read_text().startswith("Mozilla Public License, version 2.0")
