"""Imports point one way (docs/architecture.md): the store and the services are usable without any UI
library, and screens reach the database only through the services."""

import ast
import subprocess
import sys
from pathlib import Path

BLOCK_UI = (
    "import sys\n"
    "class Block:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] in {'textual', 'rich', 'typer'}:\n"
    "            raise ImportError(f'imported {name}')\n"
    "sys.meta_path.insert(0, Block())\n"
)


def test_store_imports_without_textual_rich_or_typer():
    code = BLOCK_UI + (
        "import pkgutil, importlib, wss_tui.store as s\n"
        "for m in pkgutil.walk_packages(s.__path__, 'wss_tui.store.'):\n"
        "    if '.migrations' not in m.name:\n"
        "        importlib.import_module(m.name)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# The services layer is UI-free like the store; screens, widgets and the app reach the database only
# through it (docs/architecture.md). Checked on the source, so a new screen that opens its own
# transaction fails here, not in review.
NOT_UI = {"cli", "services", "store"}  # every other module of wss_tui is the app, its screens and widgets
TRANSACTION_NAMES = {"read", "read_rows", "write", "begin", "connect", "Session", "sessionmaker"}


def _ui_files() -> list[Path]:
    package = Path(__file__).resolve().parent.parent / "wss_tui"
    return sorted(p for p in package.rglob("*.py") if p.relative_to(package).parts[0] not in NOT_UI)


def _transactions_in(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = {a.name for a in node.names}
            if node.module in {"wss_tui.store.db", "sqlmodel", "sqlalchemy.orm"} and names & TRANSACTION_NAMES:
                found.append(f"line {node.lineno}: imports {', '.join(sorted(names))} from {node.module}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "db" \
                and node.attr in TRANSACTION_NAMES:
            found.append(f"line {node.lineno}: db.{node.attr}")
        elif isinstance(node, ast.Attribute) and node.attr in {"begin", "connect"} \
                and ast.unparse(node.value).endswith("engine"):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_no_screen_widget_or_app_opens_a_transaction():
    offenders = {str(p.relative_to(p.parents[2])): hits for p in _ui_files() if (hits := _transactions_in(p))}
    assert offenders == {}, "open the unit of work in wss_tui/services/, not here"


def test_the_checker_finds_a_transaction_opened_in_a_screen(tmp_path):
    screen = tmp_path / "screen.py"
    screen.write_text("from wss_tui.store import db\nfrom wss_tui.store.db import write\n\n\ndef load(engine):\n"
                      "    with db.read(engine):\n        pass\n    with self.engine.begin():\n        pass\n")
    assert _transactions_in(screen) == ["line 2: imports write from wss_tui.store.db", "line 6: db.read", "line 8: self.engine.begin"]


def test_services_import_without_textual_rich_or_typer():
    code = BLOCK_UI + (
        "import pkgutil, importlib, wss_tui.services as s\n"
        "for m in pkgutil.walk_packages(s.__path__, 'wss_tui.services.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
