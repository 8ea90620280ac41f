"""`python -m bench.event_path`: run the event-path benchmark (see cli.py for the flags)."""

from bench.event_path.cli import main

raise SystemExit(main())
