"""Costbook: cloud cost visibility and chargeback on FOCUS billing data."""
