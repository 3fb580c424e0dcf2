"""`python -m learnlab` is the `learnlab` command."""

import sys

from learnlab.cli import main

sys.exit(main())
