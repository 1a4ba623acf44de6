"""Where things are kept: the SQLite state store (state), the Parquet lake read by DuckDB (lake), the
import lock (guard), promoted tag columns (tags), the audit trail, encryption at rest and its keys.
Imports only lib.core.
"""
