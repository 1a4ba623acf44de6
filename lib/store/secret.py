"""Secrets (cookie key, data key, cloud credentials) come from the environment or secrets.toml, nowhere else.

An environment variable wins over the file: ``COSTBOOK_COOKIE_KEY`` overrides
``[costbook] cookie_key`` in ``.streamlit/secrets.toml`` (the file Streamlit itself reads;
``COSTBOOK_SECRETS_FILE`` points elsewhere). Values are never logged or stored in the state db.

>>> value("cookie_key")          # doctest: +SKIP
'a-long-random-string'
"""

import os
import tomllib
from pathlib import Path


def secrets_files() -> list[Path]:
    """Where secrets.toml may be, most specific first (the same places Streamlit looks)."""
    if os.environ.get("COSTBOOK_SECRETS_FILE"):
        return [Path(os.environ["COSTBOOK_SECRETS_FILE"])]
    return [Path.cwd() / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"]


def load_file() -> dict:
    """The first secrets.toml found, parsed; {} when there is none."""
    for path in secrets_files():
        if path.is_file():
            try:
                return tomllib.loads(path.read_text())
            except tomllib.TOMLDecodeError as exc:
                # The message names the line, never the file's values.
                raise ValueError(f"{path}: not valid TOML ({exc})") from None
    return {}


def section(name: str) -> dict:
    """A whole section of secrets.toml, e.g. section("auth") for single sign-on."""
    found = load_file().get(name)
    return found if isinstance(found, dict) else {}


def value(name: str) -> str | None:
    """A Costbook secret: env COSTBOOK_<NAME>, else [costbook] <name> in secrets.toml, else None."""
    env = os.environ.get(f"COSTBOOK_{name.upper()}")
    if env:
        return env
    found = section("costbook").get(name)
    return str(found) if found not in (None, "") else None
