"""python -m heartmonitor: the same as the heartmonitor command."""

import sys

from .cli import main

sys.exit(main())
