"""Alert checks run from cron: budget and anomaly alerts become Alert records, sent once each
through notify. Imports budgets, anomalies, notify and the layers above.
"""
