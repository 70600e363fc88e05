"""`make mutate`: a mutation run over the pure rules and the money and identifier code, module by module.

mutmut 3.8.1 wants click>=8.4.2 while faust-streaming pins click<8.4, so mutmut cannot live in the
project's venv: it gets a venv of its own under .local/ whose path ends with the project venv's
packages (its click wins there; the engine is not started by unit tests). What is mutated and which
tests run is `[tool.mutmut]` in pyproject.toml; this runs it per module and prints the kill rates.

    python -m stack.mutation                      # every configured module (hours on 2 cores)
    python -m stack.mutation streams.company.identifiers streams.customs.calculation
    python -m stack.mutation --survivors ...      # re-check only what survived last time (after new tests)
    python -m stack.mutation --not-killed ...     # survivors and unchecked mutants in one run (one start-up)
    python -m stack.mutation --all ...            # re-check everything (default: only new or unchecked mutants)
    python -m stack.mutation --report             # the table from the last runs, nothing run
"""

from __future__ import annotations

import argparse
import ast
import difflib
import fnmatch
import json
import os
import subprocess
import sys
import sysconfig
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from wellwon.config import LOCAL_DIR, PROJECT_ROOT

MUTMUT = "mutmut==3.8.1"
TOOL_VENV = LOCAL_DIR / "mutmut-venv"  # beside the stack's data: one venv for every worktree
MUTANTS = PROJECT_ROOT / "mutants"
# mutmut's exit codes per mutant (mutmut/stats.py): what each says about the tests.
KILLED = {1, 3}  # a test failed (3: pytest's internal error, also a kill)
TIMED_OUT = {36, 24, -24, 152, 255}  # ran past its CPU budget: an endless loop the tests did catch
SURVIVED = {0}
NO_TESTS = {33, 5}  # no unit test runs the mutated function


@dataclass(frozen=True)
class ModuleResult:
    module: str
    counts: Counter[str]

    @property
    def checked(self) -> int:
        return self.counts["killed"] + self.counts["timeout"] + self.counts["survived"] + self.counts["no tests"]

    @property
    def kill_rate(self) -> float:
        """Killed (timeouts included) over every checked mutant; a mutant no test reaches counts as alive."""
        return (self.counts["killed"] + self.counts["timeout"]) / self.checked if self.checked else 0.0


def configured_modules() -> list[str]:
    """The dotted modules `[tool.mutmut] only_mutate` names, e.g. streams.customs.calculation."""
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    files = sorted(str(p.relative_to(PROJECT_ROOT)) for p in PROJECT_ROOT.glob("streams/**/*.py"))
    chosen = [f for f in files if any(fnmatch.fnmatch(f, pattern) for pattern in config["only_mutate"])]
    return [f.removesuffix(".py").replace("/", ".") for f in chosen]


def ensure_tool_venv() -> Path:
    mutmut = TOOL_VENV / "bin" / "mutmut"
    if mutmut.exists():
        return mutmut
    subprocess.run([sys._base_executable, "-m", "venv", str(TOOL_VENV)], check=True)  # type: ignore[attr-defined]
    subprocess.run([str(TOOL_VENV / "bin" / "pip"), "install", "--quiet", MUTMUT], check=True)
    # The project's packages after mutmut's own: faust, fastavro, stdnum... for the unit tests.
    tool_site = next((TOOL_VENV / "lib").glob("python3*/site-packages"))
    (tool_site / "project-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return mutmut


def _statuses(meta: dict[str, dict[str, int | None]]) -> dict[str, str]:
    def status(code: int | None) -> str:
        if code in KILLED:
            return "killed"
        if code in TIMED_OUT:
            return "timeout"
        if code in SURVIVED:
            return "survived"
        if code in NO_TESTS:
            return "no tests"
        return "not checked" if code is None else "suspicious"

    return {name: status(code) for name, code in meta["exit_code_by_key"].items()}


def results(module: str) -> dict[str, str]:
    """Each mutant of the module and what became of it, from mutmut's files under mutants/."""
    meta = MUTANTS / (module.replace(".", "/") + ".py.meta")
    return _statuses(json.loads(meta.read_text())) if meta.exists() else {}


def survivor_diffs(module: str) -> list[str]:
    """Each surviving (or untested) mutant of the module as a diff against the original function."""
    source_file = MUTANTS / (module.replace(".", "/") + ".py")
    source = source_file.read_text()
    lines = source.splitlines()
    # By line numbers, not ast.get_source_segment: that splits the whole (huge) mutated file per function.
    functions = {
        node.name: "\n".join(lines[node.lineno - 1 : node.end_lineno])
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    shown = []
    for name, status in results(module).items():
        if status not in ("survived", "no tests"):
            continue
        function = name.rsplit(".", 1)[1]
        original = functions.get(function.rsplit("__mutmut_", 1)[0] + "__mutmut_orig", "")
        mutated = functions.get(function, "")
        diff = difflib.unified_diff(original.splitlines(), mutated.splitlines(), lineterm="", n=0)
        changed = [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---", "-de", "+de")]
        shown.append(f"## {name} ({status})\n" + "\n".join(line.replace(function, "") for line in changed))
    return shown


def report(modules: list[str]) -> list[ModuleResult]:
    rows = [ModuleResult(m, Counter(results(m).values())) for m in modules]
    print(
        f"{'module':40} {'mutants':>7} {'killed':>6} {'timeout':>7} {'survived':>8} {'no tests':>8} {'unrun':>5} rate"
    )
    for row in rows:
        c = row.counts
        print(
            f"{row.module:40} {sum(c.values()):7} {c['killed']:6} {c['timeout']:7} {c['survived']:8} "
            f"{c['no tests']:8} {c['not checked']:5} {row.kill_rate:5.1%}"
        )
    return rows


def _source(module: str) -> Path:
    return PROJECT_ROOT / (module.replace(".", "/") + ".py")


def _changed_since_mutated(module: str) -> bool:
    mutated = MUTANTS / (module.replace(".", "/") + ".py")
    return not mutated.exists() or _source(module).stat().st_mtime > mutated.stat().st_mtime


def pending(module: str) -> list[str]:
    """What a run still has to check in the module: all of it when its source changed since the last run
    (mutmut then makes new mutants of the changed functions), else the mutants not checked yet."""
    source = _source(module)
    meta = MUTANTS / (module.replace(".", "/") + ".py.meta")
    if not meta.exists() or source.stat().st_mtime > meta.stat().st_mtime:
        return [f"{module}.*"]
    return [name for name, status in results(module).items() if status in ("not checked", "no tests")]


def not_killed(module: str) -> list[str]:
    """What is not known killed: the pending mutants and last time's survivors, in one run (one start-up)."""
    new = pending(module)
    if new == [f"{module}.*"]:
        return new
    return [*new, *(name for name, status in results(module).items() if status in ("survived", "suspicious"))]


def run(modules: list[str], which: str, children: int) -> None:
    """One mutmut run for all the modules: its start (copying, listing the tests) is the slow part.

    `which`: "pending" (what is new or unchecked), "survivors" (what survived last time), "not-killed" (both) or
    "all"."""
    mutmut = ensure_tool_venv()
    stats = MUTANTS / "mutmut-stats.json"
    if stats.exists() and any(_changed_since_mutated(m) for m in modules):
        # mutmut maps each function to the tests that reach it once, and only adds new tests later: a
        # function rewritten or added since would look untested ("no tests"). Make it map them all again.
        stats.unlink()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # mutmut puts mutants/ first itself
    # The tests run inside mutants/: point them at this checkout's stack data (its generated JWT secret).
    env.setdefault("WELLWON_LOCAL_DIR", str(LOCAL_DIR))
    if which == "survivors":
        names = [n for m in modules for n, s in results(m).items() if s in ("survived", "no tests")]
    elif which == "not-killed":
        names = [name for module in modules for name in not_killed(module)]
    elif which == "pending":
        names = [name for module in modules for name in pending(module)]
    else:
        names = [f"{module}.*" for module in modules]
    if names:  # mutmut re-checks every mutant named; with no names it would run all modules' unchecked ones
        print(f"mutmut: {len(names)} names ({which})", flush=True)
        subprocess.run([str(mutmut), "run", "--max-children", str(children), *names], cwd=PROJECT_ROOT, env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help="dotted modules; default: every one [tool.mutmut] names")
    parser.add_argument("--survivors", action="store_true", help="re-check only mutants not killed last time")
    parser.add_argument("--not-killed", action="store_true", help="re-check survivors and unchecked mutants")
    parser.add_argument("--all", action="store_true", help="re-check every mutant, not only new or unchecked ones")
    parser.add_argument("--report", action="store_true", help="print the last results only")
    parser.add_argument("--show", action="store_true", help="print each survivor as a diff, nothing run")
    # One child by default: the machine is shared, and a mutant waiting for a core may pass its time limit.
    parser.add_argument("--children", type=int, default=1)
    parser.add_argument("--fail-under", type=float, default=0.0, help="exit 1 if a module's kill rate is lower (%%)")
    args = parser.parse_args(argv)
    modules = args.modules or configured_modules()
    if args.show:
        for module in modules:
            print("\n".join(survivor_diffs(module)))
        return 0
    if not args.report:
        which = "survivors" if args.survivors else "not-killed" if args.not_killed else "all" if args.all else "pending"
        run(modules, which, args.children)
    rows = report(modules)
    return 1 if any(row.kill_rate * 100 < args.fail_under for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
