"""Item 6: a rule's regular expression is checked by the engine that runs it, when it is saved.

Rules used to be checked with Python's `re` and run by DuckDB's RE2: a lookahead or a
back-reference saved fine, then every allocation and every page failed for everyone. Now the
save is refused naming the rule and field; with Spark configured, Java's regex must accept the
pattern too (and the Spark engine checks again on its own session before allocating).
"""

import pytest

from lib.cli.main import main
from lib.config import engines, versions
from lib.core import access
from lib.store.state import now_iso, state
from tests.hostile.conftest import snapshot

RULES = """
rules:
  - name: Not Amazon
    match: {{service_name: "re:{pattern}"}}
    to: web
"""


def saved_versions(store) -> list[int]:
    return [v.id for v in versions.versions(store)]


@pytest.mark.parametrize(("pattern", "why"), [("^(?!Amazon).*", "invalid perl operator: (?!"),
                                              ("^(a)\\\\1$", "invalid escape sequence: \\1"),
                                              ("(?<=AWS )Support", "invalid perl operator: (?<")])
def test_a_pattern_duckdb_cannot_run_is_refused_at_save(served, pattern, why):
    before, kept = snapshot(served), saved_versions(served)
    version, errors = versions.save_rules(served, RULES.format(pattern=pattern), access.CLI, "attack")
    assert version is None
    (error,) = errors
    assert error.startswith("rules.yaml: rule 'Not Amazon', match.service_name: the regular expression")
    assert error.endswith(f"cannot run in DuckDB: {why}")
    assert saved_versions(served) == kept and snapshot(served) == before


def test_the_rules_verb_refuses_it_with_exit_2(served, tmp_path, capsys):
    path = tmp_path / "rules.yaml"
    path.write_text(RULES.format(pattern="^(?!Amazon).*"))
    kept = saved_versions(served)
    assert main(["--data-dir", str(served.data_dir), "rules", "load", str(path)]) == 2
    err = capsys.readouterr().err
    assert "rule 'Not Amazon', match.service_name" in err and "Traceback" not in err
    assert saved_versions(served) == kept


def test_a_version_stored_before_the_check_is_a_problem_not_a_crash(served, capsys):
    with state(served, write=True) as db:  # what an older Costbook let through
        db.execute("insert into rule_versions (created_at, author, comment, yaml) values (?, 'old', 'old', ?)",
                   (now_iso(), RULES.format(pattern="^(?!Amazon).*")))
    assert main(["--data-dir", str(served.data_dir), "allocate", "--month", "2026-10"]) == 2
    err = capsys.readouterr().err
    assert "Not Amazon" in err and "Traceback" not in err


def test_with_spark_configured_posix_classes_are_refused(served, monkeypatch):
    monkeypatch.setenv("COSTBOOK_SPARK_MASTER", "local[2]")
    version, errors = versions.save_rules(served, RULES.format(pattern="^[[:alpha:]]+$"), access.CLI, "posix")
    assert version is None
    assert errors == ["rules.yaml: rule 'Not Amazon', match.service_name: the regular expression '^[[:alpha:]]+$' "
                      "cannot run on Spark: POSIX classes like [[:alpha:]] mean other characters in Java"]


@pytest.mark.skipif(engines.java() is None, reason="needs a JDK (java) to check Java's regex")
def test_with_spark_configured_java_must_accept_the_pattern(served, monkeypatch):
    text = RULES.format(pattern="^(?P<svc>AWS) .*")  # RE2 reads (?P<name>...); Java does not
    kept = saved_versions(served)
    monkeypatch.setenv("COSTBOOK_SPARK_MASTER", "local[2]")
    version, errors = versions.save_rules(served, text, access.CLI, "named group")
    assert version is None and len(errors) == 1
    assert "rule 'Not Amazon', match.service_name" in errors[0] and "cannot run on Spark (Java regex)" in errors[0]
    assert saved_versions(served) == kept
    monkeypatch.delenv("COSTBOOK_SPARK_MASTER")
    assert versions.save_rules(served, text, access.CLI, "DuckDB alone runs it")[1] == []


@pytest.mark.spark
def test_the_spark_engine_refuses_a_saved_pattern_java_cannot_run(served, capsys):
    assert versions.save_rules(served, RULES.format(pattern="^(?P<svc>AWS) .*"), access.CLI, "before spark")[1] == []
    before = snapshot(served)
    assert main(["--data-dir", str(served.data_dir), "spark", "allocate", "--month", "2026-10",
                 "--master", "local[1]"]) == 2
    err = capsys.readouterr().err
    assert "rule 'Not Amazon', match.service_name: the regular expression '^(?P<svc>AWS) .*' cannot run on Spark" in err
    assert snapshot(served) == before
