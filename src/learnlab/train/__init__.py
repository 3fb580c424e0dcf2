"""Training: the Trainer and its events and callbacks, optimizers, schedules (each with an
optional linear warm-up, `warmup`), initialisers, checkpoints and seeding. Import the
submodules you need; this package imports nothing heavy."""
