"""Advertiser pages, one module per subject; ``urls.py`` names every view."""
