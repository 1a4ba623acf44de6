"""The Rules page under AppTest: rules built with widgets only, the preview of a draft, saving it."""

from decimal import Decimal as D

import pytest
import yaml

from lib.config import versions
from lib.config.rules import canonical, parse_rules
from lib.web import rule_editor
from tests.access_helpers import app_as
from tests.bill import charge
from tests.conftest import RULES, load_bill
from tests.paths import ROOT

PAGE = str(ROOT / "pages/rules.py")


@pytest.fixture
def rules_page(configured, tmp_path, monkeypatch):
    load_bill(configured, tmp_path, [
        charge("web", "Amazon EC2", "100.00"),
        charge(None, "Amazon VPC", "10.00", category="Networking"),
        charge("web", "Amazon VPC", "50.00", category="Networking"),  # tagged: the Team tag rule takes it
        charge(None, "Amazon S3", "5.00", SubAccountName="sandbox"),
        charge(None, "Amazon RDS", "7.00", tags={"owner": "search"}),
        charge(None, "AWS Shield", "4.00", category="Security"),
        charge(None, "Amazon Athena", "3.00", category="Analytics"),
        charge(None, "Amazon Route 53", "2.00", RegionId="global"),
    ])
    at = app_as(configured, monkeypatch)
    at.switch_page(PAGE).run()
    assert not at.exception and at.title[0].value == "Allocation rules", [e.value for e in at.exception]
    return at


def key(at, i: int, part: str) -> str:
    return f"rb{at.session_state[rule_editor.GEN]}_{i}_{part}"


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def new_rule(at, name: str, field: str, value: str, op: str = "is"):
    """Add a rule and fill its one condition; returns its index."""
    button(at, "Add a rule").click().run()
    i = at.session_state[rule_editor.FOCUS]
    at.text_input(key=key(at, i, "name")).input(name).run()
    at.selectbox(key=key(at, i, "c0_field")).set_value(field).run()
    at.selectbox(key=key(at, i, "c0_op")).set_value(op).run()
    widget = f"c0_v_{op}_{field}"
    if op == "is":
        at.selectbox(key=key(at, i, widget)).set_value(value).run()
    else:
        at.text_input(key=key(at, i, widget)).input(value).run()
    return i


def shown_yaml(at) -> str:
    return next(t for t in at.text_area if t.key.startswith("rules_yaml_")).value


def test_every_rule_kind_is_built_without_yaml_and_saved_as_shown(rules_page, configured):
    at = rules_page
    i = new_rule(at, "Sandbox to web", "sub_account_name", "sandbox")
    at.selectbox(key=key(at, i, "team")).set_value("web").run()
    i = new_rule(at, "Owner tag", "service_name", "Amazon RDS")
    at.radio(key=key(at, i, "to")).set_value("tag").run()
    at.selectbox(key=key(at, i, "tag")).set_value("owner").run()
    i = new_rule(at, "Security evenly", "service_category", "Security")
    at.radio(key=key(at, i, "to")).set_value("split").run()
    at.multiselect(key=key(at, i, "among")).set_value(["web", "search"]).run()
    i = new_rule(at, "Analytics by use", "service_category", "Analytics")
    at.radio(key=key(at, i, "to")).set_value("split").run()
    at.radio(key=key(at, i, "split")).set_value("proportional").run()
    i = new_rule(at, "Route 53 fixed", "region_id", "glob", op="starts with")
    at.radio(key=key(at, i, "to")).set_value("split").run()
    at.radio(key=key(at, i, "split")).set_value("fixed").run()
    at.multiselect(key=key(at, i, "members")).set_value(["web", "search"]).run()
    at.number_input(key=key(at, i, "pct_web")).set_value(70.0).run()
    assert any("Adds up to 70%" in c.value for c in at.caption)  # the running total, before it is complete
    at.number_input(key=key(at, i, "pct_search")).set_value(30.0).run()
    assert any("Adds up to 100%" in c.value for c in at.caption)
    assert not at.exception and not at.error, [e.value for e in at.error]

    draft = shown_yaml(at)
    assert draft == at.session_state[rule_editor.DRAFT]
    added = yaml.safe_load(draft)["rules"][5:]
    assert added == [
        {"name": "Sandbox to web", "match": {"sub_account_name": "sandbox"}, "to": "web"},
        {"name": "Owner tag", "match": {"service_name": "Amazon RDS"}, "to": "tag:owner"},
        {"name": "Security evenly", "match": {"service_category": "Security"}, "split": "even",
         "among": ["web", "search"]},
        {"name": "Analytics by use", "match": {"service_category": "Analytics"}, "split": "proportional"},
        {"name": "Route 53 fixed", "match": {"region_id": "glob*"}, "split": {"web": 70, "search": 30}},
    ]
    labels = [e.label for e in at.expander]
    assert "1 charge, $5.00" in labels[5] and "1 charge, $7.00" in labels[6]  # what each new rule catches
    assert "Web 70% · Search 30%" in labels[9]

    comment = next(t for t in at.text_input if t.label == "Comment (required)")
    comment.input("Sandbox, owner tag and shared services")
    button(at, "Save as new version").click().run()
    assert not at.error, [e.value for e in at.error]
    saved = versions.versions(configured)[0]
    assert saved.id == 2 and saved.comment == "Sandbox, owner tag and shared services"
    assert saved.yaml == draft  # what the builder showed is what is stored
    assert any(s.value == "Saved as version 2." for s in at.success)


def test_saving_needs_a_comment(rules_page, configured):
    at = rules_page
    i = new_rule(at, "Sandbox to web", "sub_account_name", "sandbox")
    at.selectbox(key=key(at, i, "team")).set_value("web").run()
    button(at, "Save as new version").click().run()
    assert len(versions.versions(configured)) == 1
    assert any("needs a comment" in e.value for e in at.error)


def test_an_untouched_draft_moves_nothing(rules_page):
    at = rules_page
    assert at.session_state[rule_editor.DRAFT] == RULES  # the saved text itself, not a re-dump
    assert not at.metric  # no "Charges that move" at all
    assert any("allocates exactly as version 1" in i.value and "nothing moves" in i.value for i in at.info)


def test_one_rule_moved_up_moves_exactly_what_it_now_takes_first(rules_page):
    at = rules_page
    for i in (2, 1):  # Shared networking (third) above Team tag (first)
        next(b for b in at.button if b.key == key(at, i, "up")).click().run()
    names = [r["name"] for r in yaml.safe_load(at.session_state[rule_editor.DRAFT])["rules"]]
    assert names[:3] == ["Shared networking", "Team tag", "Data platform accounts"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Charges that move": "1", "Amount that moves": "$20.00", "Teams whose total changes": "2"}
    moved = at.dataframe[1].value
    assert list(moved["Rule before"]) == ["Team tag"] and list(moved["Rule after"]) == ["Shared networking"]
    assert list(moved["Went to"]) == ["Web"] and list(moved["Goes to"]) == ["Web 60% · Search 40%"]


def test_a_rule_the_builder_does_not_know_is_kept_as_its_own_yaml(rules_page, configured):
    at = rules_page
    text = RULES + "  - name: Later kind\n    match: {service_name: S3}\n    split: {web: 50, search: 50}\n" \
                   "    weigh_by: {future: option}\n"
    yaml_tab = next(t for t in at.text_area if t.key.startswith("rules_yaml_"))
    yaml_tab.input(text).run()
    assert not at.exception
    raw = at.text_area(key=key(at, 5, "raw"))
    assert "weigh_by" in raw.value
    assert any("unknown key 'weigh_by'" in e.value for e in at.error)  # the parser still has the last word
    at.text_input(key=key(at, 0, "name")).input("Team tags").run()  # editing another rule keeps this one
    kept = yaml.safe_load(at.session_state[rule_editor.DRAFT])["rules"]
    assert kept[0]["name"] == "Team tags" and kept[5]["weigh_by"] == {"future": "option"}


def test_the_builder_and_the_yaml_tab_edit_one_draft(rules_page, configured):
    at = rules_page
    at.text_input(key=key(at, 2, "name")).input("Networking shared").run()
    assert "name: Networking shared" in shown_yaml(at)
    changed = shown_yaml(at).replace("{web: 60, search: 40}", "{web: 50, search: 50}")
    next(t for t in at.text_area if t.key.startswith("rules_yaml_")).input(changed).run()
    assert at.number_input(key=key(at, 2, "pct_web")).value == 50
    rules, errors = parse_rules(at.session_state[rule_editor.DRAFT], versions.current_org(configured))
    assert errors == [] and dict(rules[2].split) == {"web": D(50), "search": D(50)}
    assert canonical(rules) != canonical(parse_rules(RULES, versions.current_org(configured))[0])
