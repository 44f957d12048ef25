"""The debtor's site, one module per area.

Thin: load through an access helper, call one service or selector, render.
"""
