"""Alert checks run from cron: budget, anomaly and health alerts become Alert records, sent once each
through notify; and the pipeline's own health checks (health, jobs, incidents, prometheus). Imports
budgets, anomalies, notify, month_end and the layers above.
"""
