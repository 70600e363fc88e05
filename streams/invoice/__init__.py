"""Invoices: supplier invoices matched to purchase orders, invoices the tenant issues, and their numbering."""
