"""The README and docs/ say what the code does: the settings table, the two commands, the links."""

import ast
import re
from pathlib import Path

import pytest

from cursus_xblock.conf import DEFAULTS, PREFIX

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
SETTING_ROW = re.compile(r"^\| `(?P<name>\w+)` \| `(?P<default>[^`]*)` \| (?P<meaning>.+) \|$")
LINK = re.compile(r"\]\((?!https?://|mailto:)(?P<path>[^)#\s]*)(?:#(?P<anchor>[^)\s]+))?\)")


def settings_table(text):
    """The README's settings table as [(name, default as written, meaning)], in its order."""
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = [SETTING_ROW.match(line) for line in section.splitlines() if line.startswith("| `")]
    assert all(rows), "a row of the settings table is not | `NAME` | `default` | meaning |"
    return [(row["name"], row["default"], row["meaning"]) for row in rows]


def test_readme_settings_table_is_conf_defaults_in_its_order_with_the_same_values():
    table = settings_table(README.read_text(encoding="utf-8"))

    assert [name for name, _, _ in table] == [PREFIX + name for name in DEFAULTS]
    for name, written, meaning in table:
        default = DEFAULTS[name.removeprefix(PREFIX)]
        value = ast.literal_eval(written)
        assert (type(value), value) == (type(default), default), name
        assert meaning.strip(), name


def test_readme_starts_with_what_it_is_then_the_two_commands():
    text = README.read_text(encoding="utf-8")
    sections = re.findall(r"^## (.+)$", text, flags=re.MULTILINE)
    first_block = re.search(r"```sh\n(.*?)```", text, flags=re.DOTALL).group(1)

    assert sections[0] == "The two commands"
    assert [line.split("#")[0].strip() for line in first_block.splitlines()] == ["make demo", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path):
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return {slug(heading) for heading in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)}


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_of_the_readme_and_docs_reaches_a_file_and_heading(page):
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    for link in LINK.finditer(text):
        target = (page.parent / link["path"]).resolve() if link["path"] else page
        assert target.exists(), f"{page.name}: {link.group(0)}"
        if link["anchor"]:
            assert link["anchor"] in anchors(target), f"{page.name}: {link.group(0)}"


def test_docs_are_all_listed_in_their_index():
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    assert {page.name for page in DOCS if page.name != "README.md"} == set(re.findall(r"\]\(([\w-]+\.md)\)", index))
