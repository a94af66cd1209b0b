"""Signing in with an organisation's own identity provider (OpenID Connect), such as
Microsoft Entra ID: its settings, the accounts it vouches for, and the rules for a
first and a later sign-in (docs/sign-in.md)."""
