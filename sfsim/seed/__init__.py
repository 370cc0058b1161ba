"""Seeded, deterministic org data: people, queues, leads, conversions, activity, history."""
