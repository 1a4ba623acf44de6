"""Month end: statements (PDF, CSV, ZIP, e-mail), the journal, reconciliation and the month close.
Imports reports, budgets, notify and the layers above; never alerts.
"""
