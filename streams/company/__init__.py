"""Companies: the platform's tenants, their legal details, participants, roles and invitations."""
