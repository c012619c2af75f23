"""The repository stands alone: its references point to files inside it."""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Spelled in pieces so that this file does not match itself.
OUTSIDE = [name + ".md" for name in ("DESIGN", "GLOSSARY", "STYLE")] + ["/work/" + "shared"]
SECTION = re.compile(r"docs/design\.md §(\d+)")


TEXT = (".py", ".md", ".html", ".txt", ".po", ".js", ".css", ".yml", ".toml", ".sh", ".cfg")
NAMED = {"Makefile", "Dockerfile", "run"}


def _tracked_text_files() -> list[Path]:
    """The project's text files (hidden directories, caches and the virtualenv left out)."""
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"] + [
            d for d in dirs if d == ".ci"
        ]
        found += [Path(folder) / f for f in files if f.endswith(TEXT) or f in NAMED]
    return found


def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="ignore")


def test_no_file_points_to_design_notes_outside_the_repository() -> None:
    offenders = [
        str(f.relative_to(ROOT))
        for f in _tracked_text_files()
        if any(name in _text(f) for name in OUTSIDE)
    ]
    assert offenders == []


def test_every_cited_section_of_the_design_page_exists() -> None:
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (\d+)\. ", design, flags=re.MULTILINE))
    cited = {n for f in _tracked_text_files() for n in SECTION.findall(_text(f))}
    assert cited
    assert cited <= sections
