"""The Postgres sink: operational read models, one projection module per domain."""
