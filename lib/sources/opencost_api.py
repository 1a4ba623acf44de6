"""OpenCost's allocation API as a refresh source (kind `opencost`): a month of per-day namespace usage.

    - name: opencost-shared-prod
      provider: kubernetes
      kind: opencost
      params: {url: "http://opencost.opencost.svc:9003", cluster: shared-prod}

Params: `url` (the API, port 9003 by default in OpenCost's manifests), `path` (default
`/allocation`; `/allocation/compute` is the same handler), `aggregate` (default `namespace`;
anything finer that keeps the namespace works), `cluster` (used only when the data names no
cluster) and `timeout` in seconds (default 300). A `token` in `[sources.<name>]` of
secrets.toml is sent as a bearer token, for an OpenCost behind an authenticating proxy.

Each month is one request, `window=<month start>,<end>` (RFC3339, UTC) with `step=1d` and
`includeIdle=true`; the end is the next UTC midnight for the current month. The answers are
saved to the refresh's work folder and read exactly like an imported response
(lib.sources.opencost), then each (cluster, month) is swapped in whole.

>>> window("2026-10", datetime(2026, 10, 7, 13, 5, tzinfo=timezone.utc))
'2026-10-01T00:00:00Z,2026-10-08T00:00:00Z'
"""

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

from lib.core.periods import month_bounds
from lib.core.problems import Problem
from lib.sources import opencost

USAGE = True  # refresh ingests what this connector fetches into the usage lake


def window(month: str, now: datetime | None = None) -> str:
    """The allocation window of a month, ending at the next UTC midnight when the month is not over."""
    start, end = month_bounds(month)
    now = now or datetime.now(timezone.utc)
    tomorrow = (now + timedelta(days=1)).date()
    end = min(end, tomorrow)
    return f"{start.isoformat()}T00:00:00Z,{max(end, start + timedelta(days=1)).isoformat()}T00:00:00Z"


def request_url(params: dict, month: str, now: datetime | None = None) -> str:
    base = str(params["url"]).rstrip("/") + "/" + str(params.get("path") or "/allocation").lstrip("/")
    query = {"window": window(month, now), "aggregate": str(params.get("aggregate") or "namespace"),
             "step": "1d", "includeIdle": "true", "accumulate": "false"}
    return base + "?" + urllib.parse.urlencode(query)


def _get(url: str, token: str | None, timeout: float) -> tuple[int, bytes]:
    headers = {"Accept": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _error_text(body: bytes) -> str:
    """The reason an OpenCost error answer gives (its JSON message, else the first line)."""
    text = body.decode("utf-8", "replace").strip()
    try:
        return str(json.loads(text).get("message") or text.splitlines()[0])
    except (ValueError, AttributeError):
        return text.splitlines()[0] if text else "no message"


def fetch(src, con, months: list[str], workdir: Path, progress=None):
    """Fetch each month into a raw usage view: ([(name, view)], problems)."""
    if not src.params.get("url"):
        return [], [Problem(src.name, None, "url", "the OpenCost API address is missing (params.url)")]
    token = src.secrets().get("token")
    timeout = float(src.params.get("timeout") or 300)
    inputs, problems = [], []
    for i, month in enumerate(months):
        if progress:
            progress(i / max(len(months), 1), f"{src.name}: asking OpenCost for {month}")
        url = request_url(src.params, month)
        try:
            status, body = _get(url, token, timeout)
        except (urllib.error.URLError, OSError) as exc:
            problems.append(Problem(src.name, None, "url", f"cannot reach OpenCost at {src.params['url']}: "
                                                          f"{getattr(exc, 'reason', exc)}"))
            continue
        if status != 200:
            problems.append(Problem(src.name, None, None, f"OpenCost answered HTTP {status} for {month}: "
                                                          f"{_error_text(body)}"))
            continue
        path = workdir / f"opencost-{month}.json"
        path.write_bytes(body)
        view = f"_raw_{i}"
        found = opencost.load_response(con, str(path), view, src.params.get("cluster"))
        problems += [Problem(f"{src.name} {month}", p.row, p.column, p.reason) for p in found]
        inputs.append((f"{src.name} {month}", view))
    return inputs, problems
