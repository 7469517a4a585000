"""``python -m autograder COMMAND``: see autograder.cli."""
import sys

from .cli import main

sys.exit(main())
