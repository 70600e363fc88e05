"""A tenant's customs tariff tables, loaded and updated by its operators as commands and events."""
