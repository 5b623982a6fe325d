"""What pages/chain_diagnostics.py still reads under its old names, until it moves to pages/_view.py and
pages/_settings.py (a mechanical change); no other page imports this module."""

from __future__ import annotations

from pages._settings import plans, working_days
from pages._view import View, data_caption
from pages._view import current as view

__all__ = ["View", "data_caption", "plans", "view", "working_days"]
