"""The configuration finance edits: the org structure and allocation rules as pure parse/check/dump
(org, rules, rules_table), and their saved versions (versions). Imports core and store.
"""
