"""Which team pays for every charge: the allocation SQL (engine), its per-period cache, the Spark
engine, resource-grain allocations and the rules impact preview. Imports core, store, config, sources.
"""
