"""Accounts, subaccounts and applications, and the authentication every route uses."""
