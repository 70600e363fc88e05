"""Payments: outgoing and incoming bank transfers, their lifecycle, bank formats and statement matching."""
