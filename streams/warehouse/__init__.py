"""Warehouses: locations, and stock received, put away, moved, picked and dispatched against shipments."""
