"""The bottom layer: errors, atomic writes, disk errors, and reading only safetensors.

errors     LearnlabError and its kinds: what the CLI reports without a traceback
atomic     atomic writes (temporary file, fsync, rename, fsync of the folder)
disk       a full, read-only or unwritable disk as a ResourceError naming the file
safe_load  refuse anything but safetensors (pickles, torch.save zips) before parsing
weights    a trained model's file: weights plus how to rebuild the model
"""
