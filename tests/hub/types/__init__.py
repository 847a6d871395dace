"""Experiment type tests."""
