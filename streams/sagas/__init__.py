"""Processes (sagas) that connect the domains: whenever one thing happens, the commands that follow."""
