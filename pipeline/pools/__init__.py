"""The public pool (公海): return rules, claims, releases, locks and the nightly return pass.

Pools and the customer's pool fields are customer data (``accounts.models``: ``Pool``,
``PoolEvent``, ``Customer.pool/returns_on/locked``); the rules read activities, open
projects, stage progress and tiers, so they live here, in the pipeline.
"""
