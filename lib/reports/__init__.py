"""Spend as people read it, from the allocated view: totals, breakdowns, the overview, team
drill-downs, explanations by rule and the month-end forecast. Imports allocation and the layers above.
"""
