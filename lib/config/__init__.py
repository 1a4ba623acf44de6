"""The configuration finance edits: the org structure and allocation rules as pure parse/check/dump
(org, rules), the rule builder's model (rule_builder), and their saved versions (versions). Imports core and store.
"""
