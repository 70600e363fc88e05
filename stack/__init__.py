"""Local development stack services."""
