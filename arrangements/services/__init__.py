"""Writes of the arrangements app. One module per subject; import from here.

A plain re-export module: each subject appends its own import block (`name as name`
marks the re-export for ruff, so no `__all__` needs editing)."""

from arrangements.services.menu import menu_item_change_price as menu_item_change_price
from arrangements.services.menu import menu_item_create as menu_item_create
from arrangements.services.menu import menu_item_deactivate as menu_item_deactivate
from arrangements.services.menu import menu_item_update as menu_item_update
from arrangements.services.menu import menu_load_defaults as menu_load_defaults

# isort: split
from arrangements.services.arrangements import arrangement_activate as arrangement_activate
from arrangements.services.arrangements import arrangement_create_draft as arrangement_create_draft
from arrangements.services.arrangements import arrangement_diff as arrangement_diff
from arrangements.services.arrangements import (
    arrangement_discard_draft as arrangement_discard_draft,
)
from arrangements.services.arrangements import line_add as line_add
from arrangements.services.arrangements import line_remove as line_remove
from arrangements.services.arrangements import line_update as line_update
