"""Notifications: rules as data, an in-app inbox, and email (a Telegram channel is one more sender)."""
