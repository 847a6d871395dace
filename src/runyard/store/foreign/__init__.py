"""Read-only access to other trackers' databases, for the importers (all SQL stays in runyard.store)."""
