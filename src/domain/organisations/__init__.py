"""The organisations context: organisations, their members' roles and invitations (pure Python)."""
