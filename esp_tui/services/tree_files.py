"""Troubleshooting tree files: the shipped folder, the TL's folder, reading and loading.

The domain (domain/trees.py) parses and validates a tree's text; this module finds the files and
reads them. A tree's name is its file stem. Every problem is a `TreeError` naming the file.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from esp_tui.domain.trees import Tree, TreeError, checked_tree, parse_tree_toml, validate_trees


def shipped_trees_dir() -> Path:
    """The folder of trees shipped in the package (`esp_tui/data/trees`)."""
    return Path(str(files("esp_tui").joinpath("data", "trees")))


def parse_tree_file(path: Path, display: str | None = None) -> tuple[Tree | None, list[TreeError]]:
    """TOML and schema only (no step-graph checks): the tree, or the problems found."""
    source = display or path.name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, [TreeError(source, None, f"cannot read: {exc.strerror or exc}")]
    except UnicodeDecodeError:
        return None, [TreeError(source, None, "not UTF-8 text")]
    return parse_tree_toml(text, path.stem, source)


def check_tree_file(path: Path, display: str | None = None) -> tuple[Tree | None, list[TreeError]]:
    """Parse and check one file; every problem found is returned, the tree only if none."""
    return checked_tree(*parse_tree_file(path, display))


def load_tree_file(path: Path, display: str | None = None) -> Tree:
    """Load one tree; raises the first `TreeError` (use `check_tree_file` to get them all)."""
    tree, errors = check_tree_file(path, display)
    if errors:
        raise errors[0]
    assert tree is not None
    return tree


def check_trees(
    shipped_dir: Path, user_dir: Path | None
) -> tuple[dict[str, Tree], list[TreeError]]:
    """Load every tree, keeping the good ones and collecting the problems.

    User trees override shipped ones by name; a broken user file leaves the shipped tree in
    place. Cross-tree problems (includes) are included in the errors.
    """
    trees: dict[str, Tree] = {}
    errors: list[TreeError] = []
    for path in _toml_files(shipped_dir):
        tree, errs = check_tree_file(path)
        errors += errs
        if tree:
            trees[tree.name] = tree
    if user_dir is not None:
        if not user_dir.is_dir():
            errors.append(TreeError(str(user_dir), None, "trees folder does not exist"))
        else:
            for path in _toml_files(user_dir):
                tree, errs = check_tree_file(path, str(path))
                errors += errs
                if tree:
                    trees[tree.name] = tree
    errors += validate_trees(trees)
    return trees, errors


def load_trees(shipped_dir: Path, user_dir: Path | None = None) -> dict[str, Tree]:
    """All trees by name, user trees overriding shipped ones; raises the first `TreeError`."""
    trees, errors = check_trees(shipped_dir, user_dir)
    if errors:
        raise errors[0]
    return trees


def _toml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.toml") if p.is_file())
