"""Every chart of the app names teams, departments and providers by name and gives each one colour."""

import json
from collections import defaultdict

from lib.config.versions import current_org
from lib.reports.palette import Palette
from lib.store.state import open_store
from tests.web.test_app import logged_in


def labelled_colours(spec: str) -> list[tuple[str, str]]:
    """(label, colour) of every bar or line of a plotly figure: per bar when a trace colours its bars."""
    out = []
    for trace in json.loads(spec)["data"]:
        colour = (trace.get("marker") or {}).get("color") or (trace.get("line") or {}).get("color")
        labels = trace.get("y") if trace.get("orientation") == "h" else trace.get("x")
        if isinstance(colour, list):
            out += list(zip(labels, colour, strict=True))
        elif trace.get("name"):
            out.append((trace["name"], colour))
    return out


def charts(at) -> list[list[tuple[str, str]]]:
    return [labelled_colours(c.proto.spec) for c in at.get("plotly_chart")]


def test_no_chart_gives_a_team_two_colours_or_shows_an_id(monkeypatch, demo_dir):
    org = current_org(open_store(demo_dir))
    at = logged_in(monkeypatch, demo_dir, "finance")
    seen = charts(at)  # the Overview
    at.switch_page("pages/teams.py").run()
    department = next(s for s in at.selectbox if s.label == "Department")
    for dept in department.options:
        department.select(dept).run()
        seen += charts(at)
        team = next(s for s in at.selectbox if s.label == "Team")
        team.select(team.options[1]).run()
        seen += charts(at)
        team.select("All teams").run()
        department = next(s for s in at.selectbox if s.label == "Department")
    assert not at.exception
    colours = defaultdict(set)
    for chart in seen:
        for label, colour in chart:
            colours[label].add(colour)
    names = {t.name for t in org.teams} | {d.name for d in org.departments}
    drawn = names & set(colours)
    assert len(drawn) >= len(org.teams)  # every team is drawn somewhere
    assert {n: c for n, c in colours.items() if n in names and len(c) > 1} == {}
    palette = Palette.of(org)
    assert all(colours[t.name] == {palette.colour("team", t.id)} for t in org.teams if t.name in colours)
    ids = {t.id for t in org.teams if t.id != t.name} | {d.id for d in org.departments if d.id != d.name}
    assert ids.isdisjoint(colours), sorted(ids & set(colours))  # names, never ids
