"""`runyard import tensorboard LOGDIR`: TensorBoard event files (scalars) into runyard runs."""
