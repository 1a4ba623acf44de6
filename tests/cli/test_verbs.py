"""The verb table lists every verb once, names the module that registers it, and `--help` imports none."""

import argparse
import importlib
import subprocess
import sys

from lib.cli import VERBS
from tests.paths import ROOT


def test_each_module_registers_exactly_its_verbs_from_the_table():
    modules = {m for m, _ in VERBS.values()}
    for module in modules:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"lib.cli.{module}").register(sub)
        assert set(sub.choices) == {v for v, (m, _) in VERBS.items() if m == module}, module


def test_help_lists_every_verb_without_importing_the_domain():
    code = ("import sys, contextlib, io\nfrom lib.cli.main import main\nout = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n    try:\n        main(['--help'])\n    except SystemExit:\n"
            "        pass\nprint(sorted(m for m in sys.modules if m.startswith(('lib.', 'pandas', 'duckdb'))))\n"
            "print(out.getvalue())")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    loaded, text = run.stdout.split("\n", 1)
    assert not [m for m in eval(loaded) if not m.startswith(("lib.cli", "lib.core", "lib.store"))], loaded
    assert all(verb in text for verb in VERBS)
