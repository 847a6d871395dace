"""ExperimentHub tests."""
