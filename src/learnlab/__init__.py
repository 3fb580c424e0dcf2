"""learnlab: a deep-learning course, executable.

Importing the package is cheap; torch and friends load only when a submodule needs them.
"""

__version__ = "0.1.0"
