"""The double-entry ledger: one per tenant, every currency, accounts of the Russian chart, immutable transfers."""
