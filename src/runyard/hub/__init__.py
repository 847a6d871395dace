"""ExperimentHub: experiment types, training orchestration, data streams and plots."""
