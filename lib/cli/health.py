"""`python -m lib health [--format text|json] [--prometheus FILE]`: the pipeline's health checks.

Exit code 0 when every check passes, 1 when one warns, 2 when one fails: what Nagios-style
monitors and cron wrappers expect. The checks print to stdout (text or JSON); `--prometheus`
also writes them for node_exporter's textfile collector. When the store cannot be opened (a
missing or wrong data key) the checks that need no store still run and say why.
"""

import json
import sys

from lib.cli import add_verb
from lib.core import access


def _report(result, args) -> int:
    from lib.alerts import health, prometheus

    if args.prometheus:
        prometheus.write(result, args.prometheus)
    if args.format == "json":
        sys.stdout.write(json.dumps(health.as_dict(result), indent=2, default=str) + "\n")
    else:
        sys.stdout.write(health.text(result))
    return result.exit_code


def health_cmd(store, args) -> int:
    from lib.alerts import health
    from lib.store.lake import engine

    return _report(health.run(store, engine(store), access.CLI), args)


def health_unopenable(data_dir, args) -> int:
    from lib.alerts import health

    return _report(health.unopenable(data_dir), args)


def register(sub) -> None:
    p = add_verb(sub, "health")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--prometheus", metavar="FILE", default=None,
                   help="also write the checks as a Prometheus text file (node_exporter textfile collector)")
    p.set_defaults(run=health_cmd, run_unopenable=health_unopenable)
