"""The fonts statement PDFs embed: matplotlib's DejaVu Sans, cut down to the scripts names and amounts use.

>>> [Path(p).name for p in fonts()]
['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf']
"""

import functools
import importlib.util
import os
import tempfile
from pathlib import Path

import fontTools

# The DejaVu fonts matplotlib ships (found without importing matplotlib, which takes half a second).
FONT_DIR = Path(importlib.util.find_spec("matplotlib").submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"

# Latin (with Extended-A/B), Greek, Cyrillic, punctuation and currency signs: what names and amounts use.
SCRIPTS = [*range(0x20, 0x250), *range(0x370, 0x530), *range(0x2000, 0x2070), *range(0x20A0, 0x20D0),
           0x2122, 0x2212]


@functools.cache
def fonts() -> tuple[str, str]:
    """DejaVu Sans regular and bold cut down to SCRIPTS, written once per machine (paths).

    A font of 1,000 glyphs instead of 6,000 parses and embeds in a fraction of the time,
    which counts when a month's statements are built together. The cut is deterministic
    (no timestamps), so the same statement still gives the same bytes.
    """
    from fontTools import subset

    folder = Path(tempfile.gettempdir()) / f"costbook-fonts-{fontTools.version}"
    folder.mkdir(exist_ok=True)
    paths = []
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        out = folder / name
        if not out.exists():
            options = subset.Options(name_IDs=["*"], notdef_outline=True, layout_features=["*"], drop_tables=["FFTM"])
            font = subset.load_font(str(FONT_DIR / name), options)
            font.recalcTimestamp = False
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=SCRIPTS)
            subsetter.subset(font)
            tmp = out.with_suffix(f".{os.getpid()}.tmp")
            subset.save_font(font, str(tmp), options)
            tmp.rename(out)
        paths.append(str(out))
    return paths[0], paths[1]
