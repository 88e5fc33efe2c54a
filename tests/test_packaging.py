"""The distribution ships every package and keeps the agent and coordinator apart."""

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"agent": "hublink.agent", "coordinator": "hublink.coordinator",
           "shared": "hublink.shared", "synthetic": "hublink.synthetic"}


def test_every_python_folder_is_a_listed_package():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = set()
    for folder, package in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join([package, *relative]))
    assert found == listed


def _imports(folder: str) -> set[str]:
    names = set()
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
    return names


def test_layout_rules_hold():
    assert not any(n.startswith("hublink.coordinator") for n in _imports("agent"))
    assert not any(n.startswith("hublink.agent") for n in _imports("coordinator"))
    assert not any(n.startswith(("hublink.agent", "hublink.coordinator")) for n in _imports("shared"))
    assert not any(n.startswith("clkhash") for n in _imports("coordinator"))
