"""`python -m cloud_sync.pull`: the same as the `edge-cloud-pull` console script."""

import sys

from cloud_sync.pull.main import main

sys.exit(main())
