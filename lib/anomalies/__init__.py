"""Anomaly detection on daily allocated spend: series, baselines, root cause and triage. Imports
reports and the layers above it.
"""
