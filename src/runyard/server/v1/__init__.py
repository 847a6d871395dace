"""Experiments API v1 (`/api/v1/experiments`): experiments = projects, runs, metrics."""
