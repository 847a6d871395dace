"""Framework integrations: a callback or logger per framework that logs to a runyard run.

Each module imports its framework when it is imported itself, never before: `import runyard`
imports none of them. See docs/integrations.md.

    from runyard.integrations.transformers import RunyardCallback    # Hugging Face Trainer
    from runyard.integrations.lightning import RunyardLogger         # lightning.pytorch
    from runyard.integrations.pytorch_lightning import RunyardLogger # pytorch_lightning
    from runyard.integrations.keras import RunyardCallback           # Keras 3
    from runyard.integrations.xgboost import RunyardCallback         # XGBoost
    from runyard.integrations.lightgbm import runyard_callback       # LightGBM
"""
