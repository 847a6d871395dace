"""`runyard import mlflow`: readers of MLflow's three stores (server, mlruns folder, SQLite database) and the writer."""
