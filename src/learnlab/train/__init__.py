"""Training: the Trainer and its events and callbacks, optimizers, schedules, initialisers,
checkpoints and seeding. Import the submodules you need; this package imports nothing heavy."""
