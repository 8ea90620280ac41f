"""python -m bench.site_scale: see bench/site_scale/cli.py."""

from bench.site_scale.cli import main

raise SystemExit(main())
