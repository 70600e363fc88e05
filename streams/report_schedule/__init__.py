"""A tenant's compliance report schedule: how often, in which timezone and language, and to whom it is mailed."""
