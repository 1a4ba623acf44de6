"""Saved versions of the org and the rules: audited saves, restores, and what is in effect when.

org.py and rules.py parse, check and dump; this module keeps their versions in the state store.
A new org is checked against every rules version still in effect for an open period, so saving
an org can never make a stored rules version unusable.

>>> save_rules(store, text, user, comment="split support by usage")   # doctest: +SKIP
(4, [])
"""


from lib.config import engines
from lib.config.org import Org, dump_org, parse_org
from lib.config.rules import RuleVersion, parse_rules, tag_keys
from lib.core import access
from lib.core.periods import period_problem
from lib.store import audit
from lib.store.state import Store, now_iso, state


def wanted(store: Store) -> tuple[str, ...]:
    """The tag keys the newest rules use (match on tags.<key>, assign to tag:<key>), lower-cased, sorted.

    Rules that do not parse (against the current org) promote nothing; allocation reports them.
    """
    with state(store) as db:
        row = db.execute("select yaml from rule_versions order by id desc limit 1").fetchone()
    if row is None:
        return ()
    rules, errors = parse_rules(row[0], current_org(store))
    return () if errors or rules is None else tuple(sorted(tag_keys(rules)))


def _comment_problem(comment: str, what: str) -> list[str]:
    return [] if comment and comment.strip() else [f"a new {what} version needs a comment saying why it changes"]


def in_effect(store: Store) -> list[RuleVersion]:
    """Every rules version something still allocates with: the newest (for periods to come) and the one
    in effect for each period that has data and is not closed (closed periods keep their pinned versions)."""
    with state(store) as db:
        open_periods = [r[0] for r in db.execute(
            "select distinct period from lake_files where active = 1 and period not in "
            "(select period from month_closes where reopened_at is null) order by 1")]
    found = {v.id: v for v in versions(store)[:1]}
    for period in open_periods:
        if (v := version_for_period(store, period)) is not None:
            found.setdefault(v.id, v)
    return [found[k] for k in sorted(found, reverse=True)]


def save_org(store: Store, text: str, user: access.User, comment: str) -> tuple[int | None, list[str]]:
    """Validate and store a new org version; returns (version id, errors). Nothing is saved on error.

    The org must keep every rules version in effect valid (a team a rule names cannot disappear while
    an open period is allocated with that rule), or the pages of that period could not be drawn.
    """
    access.require(user, "edit_config")
    org, errors = parse_org(text)
    errors += _comment_problem(comment, "org")
    if errors:
        return None, errors
    for version in in_effect(store):
        _, rule_errors = parse_rules(version.yaml, org, f"rules version {version.id}")
        if rule_errors:
            return None, [f"rules in effect would break: {e}" for e in rule_errors]
    before = current_org(store)
    with state(store, write=True) as db:
        cur = db.execute("insert into org_versions (created_at, author, comment, yaml) values (?, ?, ?, ?)",
                         (now_iso(), user.username, comment, dump_org(org)))
        audit.record(store, user, "org.save", f"version {cur.lastrowid}",
                     {"comment": comment, "before": {"departments": len(before.departments), "teams": len(before.teams)},
                      "after": {"departments": len(org.departments), "teams": len(org.teams)},
                      "teams_added": sorted({t.id for t in org.teams} - {t.id for t in before.teams}),
                      "teams_removed": sorted({t.id for t in before.teams} - {t.id for t in org.teams})}, db=db)
        return cur.lastrowid, []


def current_org(store: Store) -> Org:
    with state(store) as db:
        row = db.execute("select yaml from org_versions order by id desc limit 1").fetchone()
    if row is None:
        return Org()
    org, errors = parse_org(row[0], "stored org")
    if errors:
        raise ValueError("; ".join(errors))
    return org


def save_rules(store: Store, text: str, user: access.User, comment: str,
               effective_from: str | None = None) -> tuple[int | None, list[str]]:
    """Validate and store rules as a new version (audited); returns (version id, errors)."""
    access.require(user, "edit_config")
    if effective_from and (problem := period_problem(effective_from, "effective_from")):
        return None, [problem]
    rules, errors = parse_rules(text, current_org(store))
    if rules and engines.spark_master(store):  # Spark runs them too: Java's regex must accept them as well
        errors += engines.spark_problems(rules)
    errors += _comment_problem(comment, "rules")
    if errors:
        return None, errors
    with state(store, write=True) as db:
        before = db.execute("select id from rule_versions order by id desc limit 1").fetchone()
        cur = db.execute(
            "insert into rule_versions (created_at, author, comment, effective_from, yaml) values (?, ?, ?, ?, ?)",
            (now_iso(), user.username, comment, effective_from, text),
        )
        audit.record(store, user, "rules.save", f"version {cur.lastrowid}",
                     {"comment": comment, "effective_from": effective_from, "rules": len(rules),
                      "previous_version": before[0] if before else None}, db=db)
        return cur.lastrowid, []


def versions(store: Store) -> list[RuleVersion]:
    with state(store) as db:
        rows = db.execute("select id, created_at, author, comment, effective_from, yaml from rule_versions "
                          "order by id desc").fetchall()
    return [RuleVersion(*r) for r in rows]


def version_for_period(store: Store, period: str) -> RuleVersion | None:
    """The newest version in effect for a billing period (effective_from empty or not after it)."""
    with state(store) as db:
        row = db.execute(
            "select id, created_at, author, comment, effective_from, yaml from rule_versions "
            "where effective_from is null or effective_from <= ? order by id desc limit 1", (period,)
        ).fetchone()
    return RuleVersion(*row) if row else None


def restore(store: Store, version_id: int, user: access.User) -> tuple[int | None, list[str]]:
    """Save an old version's rules again as the newest version (history is never rewritten)."""
    old = next((v for v in versions(store) if v.id == version_id), None)
    if old is None:
        return None, [f"no rules version {version_id}"]
    return save_rules(store, old.yaml, user, f"restore of version {version_id}", old.effective_from)
