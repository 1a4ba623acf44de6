"""Sending: SMTP and webhook channels, once-per-recipient deliveries with retries, and who is told
(recipients). Imports the layers above it, never alerts or month_end.
"""
