"""The chat domain: conversations (company channels, threads on business objects, two-company conversations)."""
