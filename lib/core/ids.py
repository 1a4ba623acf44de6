"""The one rule for the names Costbook makes files, paths and URLs from: team, department and user ids.

A team or department id is letters, digits, '-' and '_' (at most 64, starting with a letter or
digit): it names statement files, ZIP entries and frozen copies on disk, so '../', '/', quotes
or spaces can never reach a path. A username is lower case letters, digits and . _ @ + -
(an e-mail address fits), at most 128.

>>> id_problem("data-platform", "team"), id_problem("../../x", "team")
(None, "team id '../../x' may only have letters, digits, - and _ (at most 64, starting with a letter or digit)")
>>> username_problem("dana.lee@example.com") is None, file_part("../../x")
(True, '______x')
"""

import re

ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
USERNAME = re.compile(r"[a-z0-9][a-z0-9._@+-]{0,127}")


def id_problem(value: str, what: str) -> str | None:
    """Why `value` cannot be a team or department id (what: 'team' or 'department'), or None."""
    if ID.fullmatch(str(value)):
        return None
    return f"{what} id {str(value)!r} may only have letters, digits, - and _ (at most 64, starting with a letter or digit)"


def username_problem(value: str) -> str | None:
    if USERNAME.fullmatch(str(value)) and ".." not in str(value):
        return None
    return (f"username {str(value)!r} may only have lower-case letters, digits and . _ @ + - "
            "(at most 128, starting with a letter or digit)")


def file_part(text: str) -> str:
    """Text safe as one part of a file name: anything but letters, digits, - and _ becomes _."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(text)) or "_"
