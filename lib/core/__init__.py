"""The vocabulary every other package speaks: money, FOCUS columns and the cost-basis check, billing
periods, the Problem record, SQL quoting, roles and the scope rule. Imports nothing else from lib.
"""
