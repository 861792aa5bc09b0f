"""The simulated league is a data source, not part of the pipeline: nba_assets never imports it, except the
CLI's `simulate` command, lazily."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PIPELINE = Path(__file__).resolve().parents[1] / "nba_assets"
SIMULATOR = "simulated_league"
# (file relative to nba_assets/, enclosing function) allowed to import the simulator
ALLOWED = {("cli.py", "cmd_simulate")}


def _simulator_imports(path: Path) -> list[tuple[int, str | None]]:
    """(line, enclosing function or None at module level) of every import of the simulator in one file."""
    found = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                names = [child.module or ""]
            else:
                names = []
            if any(name == SIMULATOR or name.startswith(SIMULATOR + ".") for name in names):
                found.append((child.lineno, function))
            visit(child, inner)

    visit(ast.parse(path.read_text(), filename=str(path)), None)
    return found


def test_pipeline_source_imports_the_simulator_only_in_the_simulate_command():
    offending = [
        f"nba_assets/{path.relative_to(PIPELINE)}:{line} (in {function or 'module scope'})"
        for path in sorted(PIPELINE.rglob("*.py"))
        for line, function in _simulator_imports(path)
        if (str(path.relative_to(PIPELINE)), function) not in ALLOWED
    ]
    assert offending == [], f"the pipeline imports the simulated league: {offending}"
    # the scan itself finds the allowed import, so it would find others
    assert _simulator_imports(PIPELINE / "cli.py") != []


def test_loading_the_code_location_and_cli_leaves_the_simulator_unloaded(tmp_path):
    probe = (
        "import sys\n"
        "import nba_assets.definitions, nba_assets.cli\n"
        "nba_assets.cli.build_parser()\n"
        f"loaded = sorted(m for m in sys.modules if m == {SIMULATOR!r} or m.startswith({SIMULATOR!r} + '.'))\n"
        "print(loaded)\n"
        "assert 'nba_assets.definitions' in sys.modules\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path,
                            env={"PATH": "", "NBA_ASSETS_DATA_DIR": str(tmp_path / "data"),
                                 "DAGSTER_HOME": str(tmp_path / "home")})
    assert result.returncode == 0, f"simulator modules loaded: {result.stdout}{result.stderr[-2000:]}"
