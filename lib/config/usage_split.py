"""Usage splits in the rules: a shared charge split by measured usage on the charge's day.

    - name: Shared cluster
      match: {tags.eks:cluster-name: shared-prod}
      split: {usage: kubernetes, cluster: shared-prod, weight: cost}   # weight: cost|cpu|memory|gpu
      idle: share          # share (by the namespaces' weights) | unallocated | <team id>
    - name: Data platform by queries
      match: {sub_account_id: data-platform}
      split: {usage: queries}                                         # a metric from --format usage

`kubernetes` weighs by OpenCost's data of the cluster, per namespace; namespaces map to teams
through `namespaces:` on the teams in org.yaml, or, with `team: label:<key>` in the split, through
a namespace label whose value names the team (org.yaml decides for namespaces without it).
Any other metric weighs by the quantity of each key (a team id or alias) in the usage data.

>>> parse_usage({"usage": "kubernetes", "cluster": "shared-prod", "weight": "cpu"}, None, Org(), "rule 'x'", [])
UsageSplit(metric='kubernetes', cluster='shared-prod', weight='cpu', idle='share', label=None)
>>> errors = []; parse_usage({"usage": "kubernetes", "weight": "disk"}, None, Org(), "rule 'x'", errors); errors
["rule 'x', split.cluster: usage: kubernetes needs the cluster whose namespaces weigh the split", \
"rule 'x', split.weight: 'disk' is not one of cost, cpu, memory, gpu"]
"""

from dataclasses import dataclass

from lib.config.org import Org
from lib.core import usage

KEYS = {"usage", "cluster", "weight", "team"}


@dataclass(frozen=True)
class UsageSplit:
    metric: str  # 'kubernetes' (OpenCost data) or a metric of the usage CSVs
    cluster: str = ""  # kubernetes: the OpenCost cluster whose namespaces weigh the split
    weight: str = usage.QUANTITY  # kubernetes: cost | cpu | memory | gpu
    idle: str = "share"  # kubernetes: share | unallocated | a team id
    label: str | None = None  # kubernetes: the namespace label (sanitized, lower case) naming the team

    def describe(self) -> str:
        """What the weights are, as a statement says it: 'cluster shared-prod cost' or 'queries'."""
        return f"cluster {self.cluster} {self.weight}" if self.metric == usage.KUBERNETES else self.metric


def parse_usage(raw: dict, idle, org: Org, where: str, errors: list[str]) -> UsageSplit | None:
    """A `split: {usage: ...}` map (and the rule's `idle:`) checked; errors name the rule and field."""
    before = len(errors)
    errors += [f"{where}, split: unknown key {k!r} (a usage split takes {', '.join(sorted(KEYS))})"
               for k in sorted(set(map(str, raw)) - KEYS)]
    metric = str(raw.get("usage") or "").strip()
    if not metric:
        errors.append(f"{where}, split.usage: needs a metric (kubernetes for OpenCost data, or a metric "
                      f"imported with --format usage)")
    if metric != usage.KUBERNETES:
        errors += [f"{where}, split.{k}: only usage: kubernetes takes {k}; a usage metric weighs by its quantity"
                   for k in ("cluster", "weight", "team") if k in raw]
        if idle is not None:
            errors.append(f"{where}, idle: only usage: kubernetes has idle capacity")
        return None if len(errors) > before else UsageSplit(metric)
    cluster = str(raw.get("cluster") or "").strip()
    if not cluster:
        errors.append(f"{where}, split.cluster: usage: kubernetes needs the cluster whose namespaces weigh the split")
    weight = str(raw.get("weight") or "cost")
    if weight not in usage.WEIGHTS:
        errors.append(f"{where}, split.weight: {weight!r} is not one of {', '.join(usage.WEIGHTS)}")
    label = _label(raw.get("team"), where, errors)
    idle_mode = _idle(idle, org, where, errors)
    return None if len(errors) > before else UsageSplit(metric, cluster, weight, idle_mode, label)


def _label(raw, where: str, errors: list[str]) -> str | None:
    if raw is None:
        return None
    text = str(raw).strip()
    if not text.startswith("label:") or not text[6:].strip():
        errors.append(f"{where}, split.team: {text!r} is not label:<key> (a namespace label whose value names "
                      f"the team)")
        return None
    return usage.label_key(text[6:].strip())


def _idle(raw, org: Org, where: str, errors: list[str]) -> str:
    if raw is None:
        return "share"
    text = str(raw).strip()
    if text in usage.IDLE_MODES:
        return text
    team = org.resolve(text)
    if team is None:
        errors.append(f"{where}, idle: {text!r} is not share, unallocated or a team")
        return "share"
    return team


def dump_usage(split: UsageSplit) -> tuple[dict, str | None]:
    """The split map and the rule's idle value (None when the rule has none) for rules YAML."""
    if split.metric != usage.KUBERNETES:
        return {"usage": split.metric}, None
    out = {"usage": split.metric, "cluster": split.cluster, "weight": split.weight}
    if split.label:
        out["team"] = f"label:{split.label}"
    return out, split.idle
