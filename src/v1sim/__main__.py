import sys

from v1sim.cli import main

sys.exit(main())
