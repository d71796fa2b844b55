"""Integration sets, sessions and the shared store (the Content Enricher)."""
