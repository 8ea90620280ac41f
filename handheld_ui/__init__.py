"""Web pages served by the service: the handheld screens and the supervisor view."""
