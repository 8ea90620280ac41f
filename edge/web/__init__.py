"""The web seam shared by every HTTP adapter: authentication, errors, routers per resource."""
