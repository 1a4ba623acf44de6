"""One colour and one display name per team, department and provider, for every chart and the PDF.

Providers keep their brand colours. Departments and teams take the palette in org.yaml order,
so a team keeps its colour on every page and in every statement, and adding a team at the end
never recolours the others. Unallocated is grey everywhere. Anything else (a service, a team
the org no longer has) gets a colour from a hash of its name: the same on every chart too.

>>> from lib.config.org import Org, Team, Department
>>> p = Palette.of(Org((Department("eng", "Engineering"),), (Team("web", "Web", "eng"), Team("api", "API", "eng"))))
>>> p.name("team", "api"), p.colour("team", "web"), p.colour("team", "api"), p.colour("provider", "AWS")
('API', '#1F77B4', '#FF7F0E', '#FF9900')
>>> p.colour("team", "Unallocated") == UNALLOCATED_COLOUR
True
"""

import hashlib
from dataclasses import dataclass, field

from lib.config.org import UNALLOCATED, Org

PROVIDER_COLOURS = {"AWS": "#FF9900", "Amazon Web Services": "#FF9900", "Microsoft": "#0078D4",
                    "Azure": "#0078D4", "Google Cloud": "#34A853", "Oracle": "#C74634"}
# Tableau 20 without its greys (grey is Unallocated's): the strong tones first, then the light ones.
COLOURS = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#BCBD22", "#17BECF",
           "#AEC7E8", "#FFBB78", "#98DF8A", "#FF9896", "#C5B0D5", "#C49C94", "#F7B6D2", "#DBDB8D", "#9EDAE5")
UNALLOCATED_COLOUR = "#ADB5BD"
KINDS = ("team", "department", "provider", "other")


def hashed(name: str) -> str:
    """A palette colour picked by the name itself (stable across runs and processes)."""
    return COLOURS[int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) % len(COLOURS)]


@dataclass(frozen=True)
class Palette:
    colours: dict = field(default_factory=dict)  # (kind, key) -> '#RRGGBB'
    names: dict = field(default_factory=dict)  # (kind, key) -> display name

    @classmethod
    def of(cls, org: Org) -> "Palette":
        colours, names = {}, {}
        for kind, items in (("department", org.departments), ("team", org.teams)):
            for i, item in enumerate(items):
                colours[(kind, item.id)] = COLOURS[i % len(COLOURS)]
                names[(kind, item.id)] = item.name
        return cls(colours, names)

    def colour(self, kind: str, key) -> str:
        key = str(key)
        if key == UNALLOCATED:
            return UNALLOCATED_COLOUR
        if kind == "provider":
            return PROVIDER_COLOURS.get(key, hashed(key))
        return self.colours.get((kind, key)) or hashed(key)

    def name(self, kind: str, key) -> str:
        return self.names.get((kind, str(key)), str(key))


def rgb(colour: str) -> tuple[int, int, int]:
    """'#1F77B4' -> (31, 119, 180), for drawing in a PDF."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def pale(colour: str, amount: float = 0.65) -> tuple[int, int, int]:
    """The colour mixed with white (for the months around the highlighted one in a PDF chart)."""
    return tuple(round(c + (255 - c) * amount) for c in rgb(colour))
