"""The demo company: its catalog, org, rules and budgets, and a generator of 13 months of multi-cloud
charges with known anomalies. Imports everything above it except web and cli.
"""
