"""icsdash: England's integrated care systems, their places and maturity, as a dashboard.

The package holds all logic as plain Python; only :mod:`icsdash.ui` talks to
Streamlit. See the README's architecture section for how the modules fit.
"""

__version__ = "0.1.0"
