"""Budgets (team or department, month, quarter or fiscal year) and their status: actual spend,
burn, forecast and overrun date. Imports reports and the layers above it.
"""
