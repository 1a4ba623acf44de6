"""Where the tests find the checkout, the shared sample bills and their own fixtures."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout: app.py, lib/, pages/
# Real billing files, beside the checkout (or beside the folder holding it, for a worktree of it).
SAMPLES = next((p / "shared" / "data" / "samples" for p in ROOT.parents[:2] if (p / "shared" / "data" / "samples").is_dir()),
               ROOT.parent / "shared" / "data" / "samples")
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden"
