"""`runyard import wandb`: W&B run folders (`wandb/offline-run-*`, `wandb/run-*`) read without the wandb package."""
