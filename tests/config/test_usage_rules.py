"""Usage splits in rules.yaml and namespaces in org.yaml: what is accepted, what is refused and how it is said."""

import pytest

from lib.config import org, rules
from lib.config.usage_split import UsageSplit

ORG = """
departments: [{id: eng, name: Engineering}]
teams:
  - {id: payments, name: Payments, department: eng, namespaces: [checkout, shared-prod/cart]}
  - {id: basket, name: Basket, department: eng, aliases: [cart-team], namespaces: [other/cart]}
"""


def parsed_org():
    found, errors = org.parse_org(ORG)
    assert errors == []
    return found


def parse(rule: str):
    return rules.parse_rules("rules:\n" + rule, parsed_org())


def test_namespaces_per_team_and_per_cluster():
    assert parsed_org().namespaces() == [("", "checkout", "payments"), ("shared-prod", "cart", "payments"),
                                         ("other", "cart", "basket")]
    again, errors = org.parse_org(org.dump_org(parsed_org()))
    assert errors == [] and again == parsed_org()


@pytest.mark.parametrize("entries, message", [
    ("[checkout]", "org.yaml: team basket, namespaces: 'checkout' is already listed by team payments"),
    ("[shared-prod/]", "org.yaml: team basket, namespaces: 'shared-prod/' is not 'namespace' or 'cluster/namespace'"),
    ("web", None),  # one namespace may be written without a list
])
def test_a_namespace_belongs_to_one_team(entries, message):
    _, errors = org.parse_org(ORG.replace("namespaces: [other/cart]", f"namespaces: {entries}"))
    assert errors == ([message] if message else [])


def test_usage_splits_parse_and_dump_back():
    text = ("  - name: Shared cluster\n    match: {tags.eks:cluster-name: shared-prod}\n"
            "    split: {usage: kubernetes, cluster: shared-prod, weight: memory, team: label:App.Kubernetes.io/Team}\n"
            "    idle: cart-team\n"
            "  - name: Data platform by queries\n    match: {sub_account_id: data-platform}\n    split: {usage: queries}\n")
    found, errors = parse(text)
    assert errors == []
    assert [r.split for r in found] == [UsageSplit("kubernetes", "shared-prod", "memory", "basket",
                                                   "app_kubernetes_io_team"), UsageSplit("queries")]
    again, errors = rules.parse_rules(rules.dump_rules(found), parsed_org())
    assert errors == [] and again == found
    assert rules.rule_item(found[0])["idle"] == "basket"
    assert rules.canonical(again) == rules.canonical(found)


@pytest.mark.parametrize("split, extra, message", [
    ("{usage: kubernetes, weight: cost}", "", "split.cluster: usage: kubernetes needs the cluster whose namespaces "
                                              "weigh the split"),
    ("{usage: kubernetes, cluster: c, weight: disk}", "", "split.weight: 'disk' is not one of cost, cpu, memory, gpu"),
    ("{usage: kubernetes, cluster: c}", "\n    idle: nobody", "idle: 'nobody' is not share, unallocated or a team"),
    ("{usage: kubernetes, cluster: c, team: tag:team}", "", "split.team: 'tag:team' is not label:<key>"),
    ("{usage: kubernetes, cluster: c, by: cpu}", "", "split: unknown key 'by'"),
    ("{usage: queries, weight: cpu}", "", "split.weight: only usage: kubernetes takes weight"),
    ("{usage: queries}", "\n    idle: share", "idle: only usage: kubernetes has idle capacity"),
    ("{usage: ''}", "", "split.usage: needs a metric"),
    ("{usage: kubernetes, cluster: c}", "\n    among: [payments]", "'among' goes with even or proportional splits"),
    ("even", "\n    idle: share", "idle: goes with split: {usage: kubernetes, ...}"),
])
def test_bad_usage_splits_are_refused_naming_the_rule_and_field(split, extra, message):
    found, errors = parse(f"  - name: Shared cluster\n    match: {{provider_name: AWS}}\n    split: {split}{extra}\n")
    assert found is None
    assert len(errors) == 1 and errors[0].startswith("rules.yaml: rule 'Shared cluster'") and message in errors[0], errors
