"""Bills in: format detection, one normalizer per provider export and API, ingest (check, write,
swap a period in), scheduled refresh, import runs and currency rates. Imports core, store, config.
"""
