"""Which engines run the rules, and whether a rule's regular expression runs in each of them.

DuckDB always runs the allocation (RE2 regular expressions: no lookaround, no back-references);
Spark runs it too when it is configured (`COSTBOOK_SPARK_MASTER` or `python -m lib spark master`),
with Java's java.util.regex. A `re:` pattern is checked by the engine that will run it, at save
time, so a rule that saves always runs: DuckDB compiles it here; Java compiles it in a `java`
process (about a second, only when Spark is configured and a `java` is found; the Spark engine
checks again on its own session before it allocates). RE2 syntax that Java reads differently
without an error (POSIX classes such as `[[:alpha:]]`, the `U` flag) is refused for Spark too.

>>> regex_problem("^AWS (Support|Shield)")
>>> regex_problem("^(?!Amazon).*")
'cannot run in DuckDB: invalid perl operator: (?!'
"""

import os
import re
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import duckdb

from lib.store.state import Store, state

SPARK_MASTER_ENV = "COSTBOOK_SPARK_MASTER"
JAVA_TIMEOUT_S = 60
# Valid in RE2 and in Java, but with another meaning in Java: refused when Spark runs the rules too.
JAVA_DIFFERS = (re.compile(r"\[\[:\^?[a-z]+:\]"), "POSIX classes like [[:alpha:]] mean other characters in Java"), \
    (re.compile(r"\(\?[a-zA-Z]*U"), "the U flag means ungreedy in DuckDB but Unicode classes in Java")


def spark_master(store: Store) -> str | None:
    """The configured Spark master ($COSTBOOK_SPARK_MASTER, else the `spark_master` setting), or None."""
    if os.environ.get(SPARK_MASTER_ENV):
        return os.environ[SPARK_MASTER_ENV]
    with state(store) as db:
        row = db.execute("select value from settings where key = 'spark_master'").fetchone()
    return row[0] if row and row[0] else None


@lru_cache(maxsize=512)
def regex_problem(pattern: str) -> str | None:
    """Why DuckDB (RE2) cannot run this regular expression, or None."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("select regexp_matches('', ?)", [pattern]).fetchall()
    except duckdb.Error as exc:
        return "cannot run in DuckDB: " + str(exc).splitlines()[0].removeprefix("Invalid Input Error: ")
    finally:
        con.close()
    return None


JAVA_SOURCE = r"""
import java.io.*; import java.util.regex.*;
public class RegexCheck { public static void main(String[] args) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8")); String line;
    while ((line = in.readLine()) != null) {
        try { Pattern.compile(line); System.out.println("ok"); }
        catch (PatternSyntaxException e) { System.out.println("error " + e.getDescription()); } } } }
"""


def java() -> str | None:
    """The java launcher Spark would use: $JAVA_HOME/bin/java, else java on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def java_problems(patterns: list[str]) -> dict[str, str]:
    """{pattern: why Java's regex cannot run it (or reads it differently)} for the patterns Spark would run."""
    out = {p: f"cannot run on Spark: {why}" for p in patterns for rx, why in JAVA_DIFFERS if rx.search(p)}
    todo = [p for p in dict.fromkeys(patterns) if p not in out and "\n" not in p and "\r" not in p]
    launcher = java()
    if not todo or launcher is None:
        return out
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "RegexCheck.java"
        source.write_text(JAVA_SOURCE)
        try:
            done = subprocess.run([launcher, str(source)], input="".join(p + "\n" for p in todo), text=True,
                                  capture_output=True, encoding="utf-8", timeout=JAVA_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired):
            return out
    answers = done.stdout.splitlines()
    if done.returncode != 0 or len(answers) != len(todo):
        return out  # no usable JDK: the Spark engine checks on its own session before it allocates
    out.update({p: "cannot run on Spark (Java regex): " + a[6:] for p, a in zip(todo, answers) if a.startswith("error ")})
    return out


def spark_problems(rules, source: str = "rules.yaml") -> list[str]:
    """Problems of parsed rules' `re:` patterns under Java's regex, each naming the rule and field."""
    where = [(r.name, c.field, p[3:]) for r in rules for c in r.match for p in c.patterns if p.startswith("re:")]
    found = java_problems([p for _, _, p in where])
    return [f"{source}: rule {name!r}, match.{field}: the regular expression {p!r} {found[p]}"
            for name, field, p in where if p in found]
