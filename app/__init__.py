"""Handoff: the service that composes rules, sf_client and the store."""
