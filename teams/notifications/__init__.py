"""Notifications: one model and one service (``notify``) for every kind, with
delivery by e-mail and team chat robots as separate, retried steps. Every app
notifies through here; teams imports none of them (targets are generic)."""
