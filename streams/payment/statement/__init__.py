"""Bank statements imported by a tenant: their lines, and which payment or receivable each line settles."""
