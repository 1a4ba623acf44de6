r"""The one way a name or a text becomes SQL where DuckDB cannot bind a `?` parameter.

Values go into queries as `?` parameters. Two places cannot take one: identifiers (a column
named in a billing file, a view name) and the few statements that take no parameters (the
path in `COPY ... TO '<path>'`, the file list of a view over `read_parquet`). Those go through
`identifier` and `literal` here, and nowhere else.

>>> print(identifier('x_Net"Cost'))
"x_Net""Cost"
>>> print(literal("/data/o'brien/lake"))
'/data/o''brien/lake'
>>> print(literal("C:\\bills\nnew"))
'C:\bills
new'
"""


def identifier(name: str) -> str:
    """A double-quoted SQL identifier: any text, safely (a NUL character is refused)."""
    text = str(name)
    if "\x00" in text:
        raise ValueError("an SQL identifier cannot contain a NUL character")
    return '"' + text.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A single-quoted SQL string literal (DuckDB keeps backslashes and newlines as they are)."""
    value = str(text)
    if "\x00" in value:
        raise ValueError("an SQL string cannot contain a NUL character")
    return "'" + value.replace("'", "''") + "'"


def literal_list(texts) -> str:
    """A DuckDB list of string literals, e.g. the file list of read_parquet."""
    return "[" + ", ".join(literal(t) for t in texts) + "]"
