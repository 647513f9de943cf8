"""scripts/requirements.py REQUIREMENTS OUT_DIR: one flat requirement file where the LMS's pins win.

A target file (requirements/django42.txt) names the LMS's pins with ``-c constraints/….txt`` and
includes our own exact pins (``-r test.txt``). pip cannot install both when they differ (our
``asgiref==3.13.0`` against the LMS's ``asgiref==3.9.1``: "ResolutionImpossible"), and it has no
way to let a constraint override a requirement. So this writes, into OUT_DIR:

* ``requirements.txt``: every requirement of the target, with ``-r`` included files read in
  place, and for each package the LMS pins, the bare name instead of our pin (the version then
  comes from the constraint);
* ``constraints.txt``: the LMS's pins, all of them, less the packages a target file keeps at our
  version on purpose: a pin whose comment starts with ``not the LMS's:`` followed by the reason.

``pip install -r OUT_DIR/requirements.txt`` then installs exactly the LMS's version of every
package it pins and our version of the rest. Standard library only: it runs before anything is
installed.
"""

import re
import sys
from pathlib import Path

OVERRIDE = "not the LMS's:"
NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def split_comment(line):
    """``(requirement, comment)``: pip's rule, a ``#`` at the start or after whitespace."""
    match = re.search(r"(^|\s)#", line)
    if not match:
        return line.strip(), ""
    return line[: match.start()].strip(), line[match.end() :].strip()


def read(path, lines, constraints):
    """Append ``(requirement, comment)`` of ``path`` to ``lines``, ``-r`` files read in place."""
    for raw in path.read_text(encoding="utf-8").splitlines():
        requirement, comment = split_comment(raw)
        if requirement.startswith(("-r ", "--requirement ")):
            read(path.parent / requirement.split(None, 1)[1], lines, constraints)
        elif requirement.startswith(("-c ", "--constraint ")):
            constraints.append((path.parent / requirement.split(None, 1)[1]).resolve())
        elif requirement:
            lines.append((requirement, comment))


def pins(path):
    """``{normalized name: line}`` of a constraints file."""
    found = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        requirement, _ = split_comment(raw)
        if requirement:
            found[normalize(NAME.match(requirement).group(1))] = requirement
    return found


def main(target, out_dir):
    lines, constraint_files = [], []
    read(Path(target), lines, constraint_files)
    constrained = {}
    for path in constraint_files:
        constrained.update(pins(path))
    ours = set()
    requirements = []
    for requirement, comment in lines:
        match = NAME.match(requirement)
        name = normalize(match.group(1)) if match and not requirement.startswith("-") else None
        if name in constrained and comment.startswith(OVERRIDE):
            ours.add(name)
            requirements.append(requirement)
        elif name in constrained:
            requirements.append(match.group(1))
        else:
            requirements.append(requirement)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    kept = [line for name, line in sorted(constrained.items()) if name not in ours]
    (out / "constraints.txt").write_text(
        f"# The LMS's pins from {', '.join(map(str, constraint_files)) or 'nowhere'}"
        f" (made by scripts/requirements.py; kept at our version: {', '.join(sorted(ours)) or 'none'})\n"
        + "".join(line + "\n" for line in kept),
        encoding="utf-8",
    )
    (out / "requirements.txt").write_text(
        f"# {target} flattened by scripts/requirements.py\n-c constraints.txt\n"
        + "".join(line + "\n" for line in requirements),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
