"""``python -m shared_sms``: the shared-sms command line."""

import sys

from .cli import main

sys.exit(main())
