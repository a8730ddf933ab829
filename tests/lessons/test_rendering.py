import re
from pathlib import Path

import pytest
from django.conf import settings

from lessons.rendering import PYGMENTS_SCOPES, pygments_css, render_markdown


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_committed_pygments_css_is_current_and_scoped(theme):
    path = Path(settings.BASE_DIR) / "static" / "css" / f"pygments-{theme}.css"
    assert path.read_text() == pygments_css(theme), "run `manage.py pygments_css`"
    rules = [line for line in path.read_text().splitlines() if "{" in line]
    assert rules
    assert all(rule.startswith(PYGMENTS_SCOPES[theme]) for rule in rules)


def test_tables_admonitions_and_anchors():
    html = render_markdown(
        "## Title here\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n"
        '!!! note "Heads up"\n    Careful.\n'
    ).html
    assert '<h2 id="title-here">' in html
    assert 'class="headerlink"' in html
    assert "<table>" in html and "<td>1</td>" in html
    assert 'class="admonition note"' in html


def test_code_is_highlighted_by_language():
    html = render_markdown("```python\nimport asyncio\n```\n").html
    assert re.search(r'<span class="kn">import</span>', html)
