"""Where the tests find the checkout, the shared sample bills and their own fixtures."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout: app.py, lib/, pages/
SAMPLES = ROOT.parent / "shared" / "data" / "samples"  # real billing files, beside the checkout
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden"
