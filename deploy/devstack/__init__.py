"""The local development stack for ``make demo``, the tests and the benches: a devnet process,
devnet accounts, bridge configs for local sites, and the demo's votes and rewards table.

Nothing here ships or runs in production (the wheel holds bridge, connectors, mappings, devnet).
"""
