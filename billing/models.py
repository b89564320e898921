"""Models of billing arrive with their issue; see DESIGN.md."""
