"""`esp-tui tree list|validate|show`: the troubleshooting trees."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from esp_tui.cli.common import add_command
from esp_tui.cli.context import EXIT_OK, EXIT_USAGE, CliError
from esp_tui.cli.path_args import path_arg
from esp_tui.domain.text import printable, visible
from esp_tui.domain.trees import Tree, TreeError, include_errors, outline, tree_errors
from esp_tui.services.tree_files import check_trees, parse_tree_file, shipped_trees_dir


def register(sub: argparse._SubParsersAction) -> None:
    tree = add_command(sub, "tree", "list, validate and show the troubleshooting trees")
    tsub = tree.add_subparsers(dest="tree_cmd", metavar="{list,validate,show}", required=True)
    lst = add_command(tsub, "list", "list the shipped and user trees")
    lst.set_defaults(func=run_list)
    val = add_command(
        tsub,
        "validate",
        "check tree files (no FILE: all shipped and user trees); exit 0 valid, 2 invalid",
    )
    val.add_argument("files", nargs="*", type=path_arg, metavar="FILE")
    val.set_defaults(func=run_validate)
    show = add_command(tsub, "show", "print a tree's steps as an indented outline")
    show.add_argument("name", metavar="NAME")
    show.set_defaults(func=run_show)


def user_trees_dir(ctx: Any) -> Path | None:
    """The TL's own trees folder from config ([trees] user_dir), or None."""
    raw = ctx.config.trees.user_dir
    return Path(raw).expanduser() if raw else None


def run_list(args: argparse.Namespace, ctx: Any) -> int:
    user_dir = user_trees_dir(ctx)
    trees, errors = check_trees(shipped_trees_dir(), user_dir)
    width = max((len(visible(name)) for name in trees), default=0)
    for name in sorted(trees):
        tree = trees[name]
        origin = tree.source if user_dir and Path(tree.source).parent == user_dir else "shipped"
        extra = f", include {visible(tree.include)}" if tree.include else ""
        _out(
            f"{visible(name):<{width}}  {visible(tree.title)}"
            f" ({len(tree.steps)} steps{extra}) [{visible(origin)}]"
        )
    _print_errors(errors)
    return EXIT_USAGE if errors else EXIT_OK


def run_validate(args: argparse.Namespace, ctx: Any) -> int:
    trees, errors = check_trees(shipped_trees_dir(), user_trees_dir(ctx))
    checked = sorted(trees)
    if args.files:
        # Only the named files are judged; the installed trees serve to resolve includes.
        errors = []
        given: dict[str, Tree] = {}
        for path in args.files:
            tree, errs = parse_tree_file(path, str(path))
            errors += errs
            if tree:
                # Kept even with step errors, so its include is checked too.
                errors += tree_errors(tree)
                given[tree.name] = tree
        # Cross-tree checks on the merged set, keeping only errors about the named files.
        sources = {t.source for t in given.values()}
        # Named trees go first so an include loop through one of them is reported against it.
        merged = {**given, **{k: v for k, v in trees.items() if k not in given}}
        errors += [e for e in include_errors(merged) if e.file in sources]
        checked = sorted(given)
    if errors:
        _print_errors(errors)
        return EXIT_USAGE
    _out(f"ok: {len(checked)} tree(s) valid: {', '.join(map(visible, checked))}")
    return EXIT_OK


def run_show(args: argparse.Namespace, ctx: Any) -> int:
    trees, errors = check_trees(shipped_trees_dir(), user_trees_dir(ctx))
    if args.name not in trees:
        broken = [e for e in errors if Path(e.file).stem == args.name]
        if broken:
            _print_errors(broken)
            return EXIT_USAGE
        known = ", ".join(sorted(trees)) or "none"
        raise CliError(f"unknown tree '{args.name}' (known: {known})")
    _out(outline(trees[args.name], trees))
    return EXIT_OK


def _out(text: str) -> None:
    """Tree files are text typed by a TL: nothing in them reaches the terminal raw."""
    print(printable(text))


def _print_errors(errors: list[TreeError]) -> None:
    for err in errors:
        print(printable(str(err)), file=sys.stderr)
