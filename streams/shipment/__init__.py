"""Shipments: one consignment of a tenant from booking to delivery, with its cargo, route and events."""
