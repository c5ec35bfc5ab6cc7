"""``python -m cxsim.cli``: the command line."""

import sys

from cxsim.cli.main import main

sys.exit(main())
