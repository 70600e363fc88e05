"""Sinks project the event topics into Postgres, ClickHouse and Redis pushes."""
