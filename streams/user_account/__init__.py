"""User accounts: registration, authentication records, passwords, profile, deletion."""
