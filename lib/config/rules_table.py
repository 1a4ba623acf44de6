"""Rules as an editable table and back: one row per rule, cells in YAML flow notation.

    order | name      | match                              | to       | split              | among | idle
    1     | Team tag  | {tags.team: "*"}                   | tag:team |                    |       |
    2     | Network   | {service_category: Networking}     |          | {web: 60, search: 40} |    |
    3     | Cluster   | {tags.cluster: prod}               |          | {usage: kubernetes, cluster: prod} | | share

>>> table_to_yaml(yaml_to_table(text))   # round-trips   # doctest: +SKIP
"""

import yaml

COLUMNS = ["order", "name", "match", "to", "split", "among", "idle"]


def _flow(value) -> str:
    if value in (None, "", []):
        return ""
    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()


def yaml_to_table(text: str) -> list[dict]:
    data = yaml.safe_load(text or "") or {}
    rows = []
    for i, r in enumerate(data.get("rules") or [], start=1):
        rows.append({"order": i, "name": r.get("name", ""), "match": _flow(r.get("match")),
                     "to": r.get("to") or "", "split": _flow(r.get("split")),
                     "among": ", ".join(r.get("among") or []), "idle": str(r.get("idle") or "")})
    return rows


def table_to_yaml(rows: list[dict]) -> tuple[str, list[str]]:
    """YAML text for the rules in `order`; problems name the row whose cell is not valid YAML."""
    problems, rules = [], []
    ordered = sorted((r for r in rows if any(str(r.get(c) or "").strip() for c in COLUMNS[1:])),
                     key=lambda r: (float(r.get("order") or 0), str(r.get("name") or "")))
    for r in ordered:
        name = str(r.get("name") or "").strip()
        rule = {"name": name}
        for col in ("match", "split"):
            cell = str(r.get(col) or "").strip()
            if not cell:
                continue
            try:
                rule[col] = yaml.safe_load(cell)
            except yaml.YAMLError:
                problems.append(f"rule {name!r}, {col}: {cell!r} is not valid (write it like {{service_name: EC2}})")
        if str(r.get("to") or "").strip():
            rule["to"] = str(r["to"]).strip()
        among = [t.strip() for t in str(r.get("among") or "").split(",") if t.strip()]
        if among:
            rule["among"] = among
        if str(r.get("idle") or "").strip():
            rule["idle"] = str(r["idle"]).strip()
        rules.append(rule)
    return yaml.safe_dump({"rules": rules}, sort_keys=False, allow_unicode=True), problems
