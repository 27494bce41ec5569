"""The store must stay usable without any UI library (docs/architecture.md: imports point one way)."""

import subprocess
import sys


def test_store_imports_without_textual_rich_or_typer():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in {'textual', 'rich', 'typer'}:\n"
        "            raise ImportError(f'store imported {name}')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import pkgutil, importlib, wss_tui.store as s\n"
        "for m in pkgutil.walk_packages(s.__path__, 'wss_tui.store.'):\n"
        "    if '.migrations' not in m.name:\n"
        "        importlib.import_module(m.name)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
