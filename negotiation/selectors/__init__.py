"""Reads shaped for pages and for the checks services make, one module per area. No writes."""
