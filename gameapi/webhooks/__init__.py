"""Signed webhooks: an outbox written in the room's transaction, delivered by the worker."""
