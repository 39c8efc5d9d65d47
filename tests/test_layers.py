"""The layer rule of DESIGN.md: a transport never reaches up into a Plivo area."""

import ast
from pathlib import Path

import switchboard

PACKAGE = Path(switchboard.__file__).parent
ABOVE_NETWORK = ("switchboard.messaging", "switchboard.voice")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_imported_modules_sees_nested_imports(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("import a.b\nfrom c import d\ndef f():\n    from switchboard.voice import engine\n")
    assert imported_modules(source) == {"a.b", "c", "switchboard.voice"}


def test_network_imports_neither_messaging_nor_voice() -> None:
    offenders = {
        f"{path.relative_to(PACKAGE.parent)}: {name}"
        for path in sorted((PACKAGE / "network").rglob("*.py"))
        for name in imported_modules(path)
        if name.startswith(ABOVE_NETWORK)
    }
    assert not offenders, sorted(offenders)
