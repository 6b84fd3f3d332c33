"""Troubleshooting trees: the shipped files, schema/validation errors, loading and the CLI."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import esp_tui.cli as cli
from esp_tui.domain.trees import TreeError, outline, parse_tree_toml, validate_trees
from esp_tui.services.tree_files import (
    check_tree_file,
    check_trees,
    load_tree_file,
    load_trees,
    shipped_trees_dir,
)

SHIPPED = shipped_trees_dir()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def errors_of(path: Path) -> list[str]:
    tree, errors = check_tree_file(path)
    assert tree is None or not errors
    return [str(e) for e in errors]


# --------------------------------------------------------------------------- shipped trees


def test_shipped_trees_load_and_validate() -> None:
    trees, errors = check_trees(SHIPPED, None)
    assert errors == []
    assert sorted(trees) == ["ahip-aetna", "general", "tbt"]
    assert validate_trees(trees) == []


def test_ahip_aetna_has_the_runbook_contacts_and_escalates_to_a_carrier_ticket() -> None:
    trees = load_trees(SHIPPED)
    tree = trees["ahip-aetna"]
    assert tree.include == "general"
    assert tree.system == "AHIP/Aetna"
    shown = {c.display() for s in tree.steps for c in s.contacts}
    assert "AHIP 866.234.6909 · Support@AHIPInsuranceEducation.org" in shown
    assert "Aetna 866.714.9301" in shown
    escalating = [s for s in tree.steps if s.outcomes.no == "escalate"]
    assert [s.escalate_form for s in escalating] == ["carrier_ticket"]


def test_tbt_includes_general_and_escalates_with_its_system() -> None:
    tree = load_trees(SHIPPED)["tbt"]
    assert tree.include == "general"
    assert tree.system == "TBT / Citrix"
    assert tree.steps[-1].outcomes.no == "escalate"
    assert "verify" in (SHIPPED / "tbt.toml").read_text().lower()


def test_general_says_the_employer_should_edit_it() -> None:
    head = (SHIPPED / "general.toml").read_text().lower()[:600]
    assert "employer" in head and "edit" in head
    tree = load_tree_file(SHIPPED / "general.toml")
    texts = " ".join(s.text.lower() for s in tree.steps)
    for word in ("reload", "cache", "browser", "private", "restart", "vpn", "password", "pop-up"):
        assert word in texts, word


# --------------------------------------------------------------------------- one file


GOOD_HEAD = """\
title = "T"
start = "a"
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            GOOD_HEAD
            + """
            [[steps]]
            id = "a"
            text = "A"
            outcomes = { no = "foo" }
            """,
            ["t.toml: step 'a': unknown step 'foo' in outcomes.no"],
            id="unknown-step-reference",
        ),
        pytest.param(
            GOOD_HEAD
            + """
            [[steps]]
            id = "a"
            text = "A"
            outcomes = { yes = "bar", no = "escalate" }
            """,
            ["t.toml: step 'a': unknown step 'bar' in outcomes.yes"],
            id="unknown-step-reference-yes",
        ),
        pytest.param(
            GOOD_HEAD
            + """
            [[steps]]
            id = "a"
            text = "A"
            outcomes = { no = "escalate" }
            [[steps]]
            id = "orphan"
            text = "O"
            outcomes = { no = "escalate" }
            """,
            ["t.toml: step 'orphan': unreachable from start 'a'"],
            id="unreachable",
        ),
        pytest.param(
            GOOD_HEAD
            + """
            [[steps]]
            id = "a"
            text = "A"
            outcomes = { no = "b" }
            [[steps]]
            id = "b"
            text = "B"
            outcomes = { no = "a" }
            """,
            ["t.toml: step 'b': cycle a -> b -> a"],
            id="cycle",
        ),
        pytest.param(
            GOOD_HEAD
            + """
            [[steps]]
            id = "a"
            text = "A"
            outcomes = { yes = "a", no = "escalate" }
            """,
            ["t.toml: step 'a': cycle a -> a"],
            id="self-cycle",
        ),
        pytest.param(
            """
            title = "T"
            start = "nope"
            [[steps]]
            id = "a"
            text = "A"
            outcomes = { no = "escalate" }
            """,
            ["t.toml: start step 'nope' does not exist"],
            id="start-not-a-step",
        ),
        pytest.param(
            """
            title = "T"
            [[steps]]
            id = "a"
            text = "A"
            outcomes = { no = "escalate" }
            """,
            ["t.toml: 'start' is required"],
            id="start-missing",
        ),
        pytest.param(
            GOOD_HEAD
            + """
            [[steps]]
            id = "a"
            text = "A"
            outcomes = { no = "escalate" }
            [[steps]]
            id = "a"
            text = "again"
            outcomes = { no = "escalate" }
            """,
            ["t.toml: step 'a': duplicate step id"],
            id="duplicate-ids",
        ),
        pytest.param(
            GOOD_HEAD
            + """
            [[steps]]
            id = "a"
            outcomes = { no = "escalate" }
            """,
            ["t.toml: step 'a': 'text' is required"],
            id="step-without-text",
        ),
        pytest.param(
            GOOD_HEAD
            + """
            [[steps]]
            id = "a"
            text = "A"
            outcomes = { yes = "resolved" }
            """,
            ["t.toml: step 'a': 'outcomes.no' is required"],
            id="no-outcome-missing",
        ),
        pytest.param(
            GOOD_HEAD
            + """
            [[steps]]
            id = "a"
            text = "A"
            outcome = { no = "escalate" }
            """,
            ["t.toml: step 'a': 'outcomes' is required", "t.toml: step 'a': unknown key 'outcome'"],
            id="typo-key",
        ),
        pytest.param(
            GOOD_HEAD
            + """
            [[steps]]
            id = "a"
            text = "A"
            outcomes = { no = "escalate", maybe = "resolved" }
            """,
            ["t.toml: step 'a': unknown key 'outcomes.maybe'"],
            id="unknown-answer",
        ),
        pytest.param(
            GOOD_HEAD
            + """
            [[steps]]
            id = "a"
            text = "A"
            outcomes = { no = "escalate" }
            escalate_form = "pizza"
            """,
            [
                "t.toml: step 'a': escalate_form: Input should be 'carrier_ticket', "
                "'carrier_cert_completion', 'call_certification' or 'failed_carrier_cert_exam'"
            ],
            id="unknown-form",
        ),
        pytest.param(
            """
            title = "T"
            start = "resolved"
            [[steps]]
            id = "resolved"
            text = "A"
            outcomes = { no = "escalate" }
            """,
            ["t.toml: step 'resolved': id: 'resolved' is reserved for a terminal outcome"],
            id="reserved-id",
        ),
        pytest.param(
            'name = "other"\n' + GOOD_HEAD,
            ["t.toml: unknown key 'name'"],
            id="name-key-clashes-with-file-stem",
        ),
        pytest.param(
            GOOD_HEAD + "steps = []\n",
            ["t.toml: no steps: a tree needs at least one [[steps]]"],
            id="no-steps",
        ),
    ],
)
def test_file_errors_name_file_and_step(tmp_path: Path, text: str, expected: list[str]) -> None:
    assert errors_of(write(tmp_path, "t", text)) == expected


def test_bad_toml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "t", 'title = "T"\nstart = \n')
    [msg] = errors_of(path)
    assert msg.startswith("t.toml: invalid TOML: ")
    assert "line 2" in msg


def test_step_without_id_is_named_by_position(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "t",
        GOOD_HEAD + '[[steps]]\ntext = "A"\noutcomes = { no = "escalate" }\n',
    )
    assert errors_of(path) == ["t.toml: step '#1': 'id' is required"]


def test_several_errors_in_one_file_are_all_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "t",
        GOOD_HEAD
        + """
        [[steps]]
        id = "a"
        text = "A"
        outcomes = { no = "x" }
        [[steps]]
        id = "lost"
        text = "L"
        outcomes = { no = "escalate" }
        """,
    )
    assert errors_of(path) == [
        "t.toml: step 'a': unknown step 'x' in outcomes.no",
        "t.toml: step 'lost': unreachable from start 'a'",
    ]
    with pytest.raises(TreeError) as exc:
        load_tree_file(path)
    assert exc.value.file == "t.toml"
    assert exc.value.step == "a"
    assert isinstance(exc.value, ValueError)


def test_yes_defaults_to_resolved_and_name_comes_from_stem(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "my-tree",
        GOOD_HEAD + '[[steps]]\nid = "a"\ntext = "A"\noutcomes = {no="b"}\n'
        '[[steps]]\nid = "b"\ntext = "B"\noutcomes = {no="escalate"}\n',
    )
    tree = load_tree_file(path)
    assert tree.name == "my-tree"
    assert tree.step("a").outcomes.yes == "resolved"


def test_parsing_is_pure_text_in_with_name_and_source_given() -> None:
    # The domain parses text; the name and the file named in errors are the caller's.
    text = GOOD_HEAD + '[[steps]]\nid = "a"\ntext = "A"\noutcomes = {no="ghost"}\n'
    tree, errors = parse_tree_toml(text, "mine", "folder/mine.toml")
    assert errors == []
    assert tree is not None
    assert (tree.name, tree.source) == ("mine", "folder/mine.toml")
    # Step-graph checks are not part of parsing (the file loader adds them).
    _, bad = parse_tree_toml("title = \n", "mine", "folder/mine.toml")
    assert [str(e).split(": ", 1)[0] for e in bad] == ["folder/mine.toml"]


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_bytes(b'title = "\xff"\n')
    assert errors_of(path) == ["t.toml: not UTF-8 text"]


def test_a_file_that_cannot_be_read_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "t.toml"
    folder.mkdir()
    assert errors_of(folder) == ["t.toml: cannot read: Is a directory"]


# --------------------------------------------------------------------------- across trees

ONE_STEP = """
[[steps]]
id = "a"
text = "A"
outcomes = { no = "escalate" }
"""


def tree_text(include: str | None = None) -> str:
    inc = f'include = "{include}"\n' if include else ""
    return GOOD_HEAD + inc + ONE_STEP


def test_include_of_unknown_tree(tmp_path: Path) -> None:
    write(tmp_path, "t", tree_text(include="nope"))
    _, errors = check_trees(tmp_path, None)
    assert [str(e) for e in errors] == ["t.toml: include of unknown tree 'nope'"]
    with pytest.raises(TreeError, match="include of unknown tree 'nope'"):
        load_trees(tmp_path)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"a": "b", "b": "a"}, "a.toml: include loop a -> b -> a"),
        ({"a": "a"}, "a.toml: include loop a -> a"),
        ({"a": "b", "b": "c", "c": "b"}, "b.toml: include loop b -> c -> b"),
    ],
)
def test_include_loop(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    for name, include in files.items():
        write(tmp_path, name, tree_text(include=include))
    _, errors = check_trees(tmp_path, None)
    assert [str(e) for e in errors] == [expected]


def test_user_trees_override_and_add_by_name(tmp_path: Path) -> None:
    user = tmp_path / "mine"
    user.mkdir()
    write(user, "general", tree_text())
    write(user, "extra", tree_text(include="general"))
    trees = load_trees(SHIPPED, user)
    assert sorted(trees) == ["ahip-aetna", "extra", "general", "tbt"]
    assert len(trees["general"].steps) == 1
    assert trees["general"].source == str(user / "general.toml")


def test_broken_user_tree_keeps_the_shipped_one_and_names_the_user_file(tmp_path: Path) -> None:
    write(tmp_path, "general", "title = \n")
    trees, errors = check_trees(SHIPPED, tmp_path)
    assert len(trees["general"].steps) > 1  # the shipped one
    assert len(errors) == 1
    assert str(errors[0]).startswith(f"{tmp_path / 'general.toml'}: invalid TOML")


def test_missing_user_dir_is_an_error(tmp_path: Path) -> None:
    _, errors = check_trees(SHIPPED, tmp_path / "nope")
    assert [str(e) for e in errors] == [f"{tmp_path / 'nope'}: trees folder does not exist"]


def test_outline_expands_includes_and_shows_contacts() -> None:
    trees = load_trees(SHIPPED)
    text = outline(trees["ahip-aetna"], trees)
    lines = text.splitlines()
    assert lines[0] == "AHIP/Aetna troubleshooting [ahip-aetna] · system: AHIP/Aetna"
    assert "866.714.9301" in text
    # Included steps are indented deeper than the tree's own steps and come first.
    reload_line = next(line for line in lines if "- reload:" in line)
    own_line = next(line for line in lines if "- agent_contacts_support:" in line)
    assert lines.index(reload_line) < lines.index(own_line)
    assert len(reload_line) - len(reload_line.lstrip()) > len(own_line) - len(own_line.lstrip())


def test_outline_walk_order_and_unknown_include(tmp_path: Path) -> None:
    write(
        tmp_path,
        "t",
        'title = "T"\nstart = "first"\ninclude = "ghost"\n'
        '[[steps]]\nid = "second"\ntext = "2"\noutcomes = {no="escalate"}\n'
        '[[steps]]\nid = "first"\ntext = "1"\noutcomes = {no="second"}\n',
    )
    trees, _ = check_trees(tmp_path, None)
    text = outline(trees["t"], trees)
    assert "include ghost: (unknown tree)" in text
    assert text.index("- first:") < text.index("- second:")


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """Run `esp-tui ARGS` with a config whose [trees] user_dir is `user_dir` ("" = none)."""

    def _run(*args: str, user_dir: Path | str = "") -> tuple[int, str, str]:
        config = tmp_path / "config.toml"
        config.write_text(f'[trees]\nuser_dir = "{user_dir}"\n', encoding="utf-8")
        env = {"ESP_TUI_CONFIG": str(config), "ESP_TUI_DB": str(tmp_path / "x.db")}
        code = cli.main(list(args), env)
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def test_cli_validate_shipped_ok(run) -> None:
    code, out, err = run("tree", "validate")
    assert (code, err) == (0, "")
    assert "ahip-aetna" in out and "general" in out and "tbt" in out


def test_cli_validate_reports_each_error_on_its_own_line(run, tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        "bad",
        GOOD_HEAD + 'include = "nowhere"\n[[steps]]\nid = "a"\ntext = "A"\noutcomes = {no="x"}\n',
    )
    loop = write(tmp_path, "loop", tree_text(include="loop"))
    good = write(tmp_path, "good", tree_text(include="general"))
    code, _, err = run("tree", "validate", str(bad), str(loop), str(good))
    assert code == 2
    assert err.splitlines() == [
        f"{bad}: step 'a': unknown step 'x' in outcomes.no",
        f"{bad}: include of unknown tree 'nowhere'",
        f"{loop}: include loop loop -> loop",
    ]


def test_cli_validate_named_good_file(run, tmp_path: Path) -> None:
    good = write(tmp_path, "good", tree_text(include="general"))
    code, out, err = run("tree", "validate", str(good))
    assert (code, err) == (0, "")
    assert "good" in out


def test_cli_validate_includes_user_trees(run, tmp_path: Path) -> None:
    user = tmp_path / "mine"
    user.mkdir()
    write(user, "x", tree_text(include="nope"))
    code, _, err = run("tree", "validate", user_dir=user)
    assert code == 2
    assert err.strip() == f"{user / 'x.toml'}: include of unknown tree 'nope'"


def test_cli_list(run, tmp_path: Path) -> None:
    user = tmp_path / "mine"
    user.mkdir()
    write(user, "extra", tree_text())
    code, out, err = run("tree", "list", user_dir=user)
    assert (code, err) == (0, "")
    names = [line.split()[0] for line in out.splitlines()]
    assert names == ["ahip-aetna", "extra", "general", "tbt"]
    assert str(user / "extra.toml") in out


def test_cli_show(run) -> None:
    code, out, err = run("tree", "show", "ahip-aetna")
    assert (code, err) == (0, "")
    assert out.startswith("AHIP/Aetna troubleshooting [ahip-aetna]")
    assert "Support@AHIPInsuranceEducation.org" in out


def test_cli_show_unknown_tree(run) -> None:
    code, out, err = run("tree", "show", "nope")
    assert code == 2
    assert out == ""
    assert err.strip() == "esp-tui: error: unknown tree 'nope' (known: ahip-aetna, general, tbt)"


def test_cli_show_broken_user_tree_prints_its_errors(run, tmp_path: Path) -> None:
    user = tmp_path / "mine"
    user.mkdir()
    write(user, "mine", GOOD_HEAD + '[[steps]]\nid = "a"\ntext = "A"\noutcomes = {no="zz"}\n')
    code, _, err = run("tree", "show", "mine", user_dir=user)
    assert code == 2
    assert err.strip() == f"{user / 'mine.toml'}: step 'a': unknown step 'zz' in outcomes.no"
