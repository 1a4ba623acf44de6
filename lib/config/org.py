"""Org structure: the company's name, departments and teams, loaded from YAML, validated, versioned.

    name: Acme Corp                 # printed on statements
    departments:
      - {id: engineering, name: Engineering, heads: [dana], gl_account: "6100"}
    teams:
      - {id: web, name: Web, department: engineering, cost_center: "CC-101", aliases: [frontend], owners: [wes]}
      - {id: checkout, name: Checkout, department: engineering, namespaces: [checkout, shared-prod/cart]}

`namespaces` are the Kubernetes namespaces whose usage counts as the team's in usage splits:
`checkout` in any cluster, `shared-prod/cart` only in cluster shared-prod (that wins there).

>>> org, errors = parse_org(text)      # doctest: +SKIP
>>> org.resolve("Frontend")            # doctest: +SKIP
'web'
"""

from dataclasses import dataclass

import yaml

from lib.core.ids import id_problem

UNALLOCATED = "Unallocated"


@dataclass(frozen=True)
class Department:
    id: str
    name: str
    heads: tuple[str, ...] = ()
    gl_account: str = ""


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    department: str
    cost_center: str = ""
    aliases: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()  # 'namespace' (any cluster) or 'cluster/namespace'


@dataclass(frozen=True)
class Org:
    departments: tuple[Department, ...] = ()
    teams: tuple[Team, ...] = ()
    name: str = ""  # the company, as statements print it

    def team(self, team_id: str) -> Team:
        return next(t for t in self.teams if t.id == team_id)

    def department(self, dept_id: str) -> Department:
        return next(d for d in self.departments if d.id == dept_id)

    def resolve(self, name: str) -> str | None:
        """Team id for a team id or alias, case-insensitive; None if unknown."""
        return self.names().get(str(name).strip().lower())

    def names(self) -> dict[str, str]:
        """Every lower-cased id and alias -> team id."""
        out = {}
        for t in self.teams:
            out[t.id.lower()] = t.id
            for alias in t.aliases:
                out[alias.lower()] = t.id
        return out

    def namespaces(self) -> list[tuple[str, str, str]]:
        """(cluster, namespace, team) for every namespace a team lists; cluster '' means any cluster.

        >>> Org(teams=(Team("web", "Web", "eng", namespaces=("shop", "prod/cart")),)).namespaces()
        [('', 'shop', 'web'), ('prod', 'cart', 'web')]
        """
        return [(*split_namespace(n), t.id) for t in self.teams for n in t.namespaces]

    def teams_of(self, departments: frozenset[str] | None) -> list[Team]:
        return [t for t in self.teams if departments is None or t.department in departments]


def split_namespace(entry: str) -> tuple[str, str]:
    """'cluster/namespace' -> (cluster, namespace); a bare namespace -> ('', namespace)."""
    cluster, _, namespace = entry.rpartition("/")
    return cluster, namespace


def _strings(value, where: str, errors: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        errors.append(f"{where}: expected a list")
        return ()
    return tuple(str(v) for v in value)


def parse_org(text: str, source: str = "org.yaml") -> tuple[Org | None, list[str]]:
    """Parse and validate org YAML; on any error returns (None, errors naming the entry and field)."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        return None, [f"{source}: not valid YAML: {exc}"]
    if not isinstance(data, dict):
        return None, [f"{source}: expected 'departments' and 'teams'"]
    errors: list[str] = []
    unknown = set(data) - {"name", "departments", "teams"}
    if unknown:
        errors.append(f"{source}: unknown section(s) {', '.join(sorted(unknown))}")
    depts, teams = [], []
    for i, d in enumerate(data.get("departments") or []):
        where = f"{source}: department {d.get('id', f'#{i + 1}') if isinstance(d, dict) else f'#{i + 1}'}"
        if not isinstance(d, dict) or not d.get("id"):
            errors.append(f"{where}: needs an id")
            continue
        depts.append(Department(str(d["id"]), str(d.get("name") or d["id"]), _strings(d.get("heads"), where + ", heads", errors),
                                str(d.get("gl_account") or "")))
    for i, t in enumerate(data.get("teams") or []):
        where = f"{source}: team {t.get('id', f'#{i + 1}') if isinstance(t, dict) else f'#{i + 1}'}"
        if not isinstance(t, dict) or not t.get("id"):
            errors.append(f"{where}: needs an id")
            continue
        teams.append(Team(str(t["id"]), str(t.get("name") or t["id"]), str(t.get("department") or ""),
                          str(t.get("cost_center") or ""), _strings(t.get("aliases"), where + ", aliases", errors),
                          _strings(t.get("owners"), where + ", owners", errors),
                          _strings(t.get("namespaces"), where + ", namespaces", errors)))
    org = Org(tuple(depts), tuple(teams), str(data.get("name") or "").strip())
    errors += _check(org, source)
    return (None, errors) if errors else (org, [])


def _check(org: Org, source: str) -> list[str]:
    errors = [f"{source}: {what} {x}: {problem}" for what, ids in (("department", [d.id for d in org.departments]),
                                                                    ("team", [t.id for t in org.teams]))
              for x in ids if (problem := id_problem(x, what))]
    dept_ids = [d.id for d in org.departments]
    for d in sorted({x for x in dept_ids if dept_ids.count(x) > 1}):
        errors.append(f"{source}: department {d}: id is used twice")
    seen: dict[str, str] = {}
    for t in org.teams:
        if t.department not in dept_ids:
            errors.append(f"{source}: team {t.id}, department: unknown department {t.department!r}")
        for name in (t.id, *t.aliases):
            key = name.lower()
            if key == UNALLOCATED.lower():
                errors.append(f"{source}: team {t.id}: {name!r} is reserved")
            elif key in seen and seen[key] != t.id:
                errors.append(f"{source}: team {t.id}: {name!r} is already used by team {seen[key]}")
            elif key in seen and name == t.id:
                errors.append(f"{source}: team {t.id}: id is used twice")
            seen.setdefault(key, t.id)
    return errors + _check_namespaces(org, source)


def _check_namespaces(org: Org, source: str) -> list[str]:
    """Each namespace (per cluster, or for any cluster) belongs to one team."""
    errors, owner = [], {}
    for t in org.teams:
        for entry in t.namespaces:
            cluster, namespace = split_namespace(entry.strip())
            if not namespace or (entry.strip().endswith("/") or entry.strip().startswith("/")):
                errors.append(f"{source}: team {t.id}, namespaces: {entry!r} is not 'namespace' or 'cluster/namespace'")
            elif (cluster, namespace) in owner and owner[(cluster, namespace)] != t.id:
                errors.append(f"{source}: team {t.id}, namespaces: {entry!r} is already listed by team "
                              f"{owner[(cluster, namespace)]}")
            owner.setdefault((cluster, namespace), t.id)
    return errors


def dump_org(org: Org) -> str:
    data = {"name": org.name} if org.name else {}
    data |= {
        "departments": [{"id": d.id, "name": d.name, "heads": list(d.heads), "gl_account": d.gl_account}
                        for d in org.departments],
        "teams": [{"id": t.id, "name": t.name, "department": t.department, "cost_center": t.cost_center,
                   "aliases": list(t.aliases), "owners": list(t.owners),
                   **({"namespaces": list(t.namespaces)} if t.namespaces else {})} for t in org.teams],
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)




