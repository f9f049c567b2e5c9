"""``python -m analytics``: the ``analytics`` command."""

import sys

from analytics.cli import main

sys.exit(main())
