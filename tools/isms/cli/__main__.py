"""python -m isms.cli: the same as the isms command."""

import sys

from isms.cli import main

sys.exit(main())
