"""Every write goes through a service here: one module per aggregate (STYLE.md)."""
