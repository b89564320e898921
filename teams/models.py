"""Models of teams arrive with their issue; see DESIGN.md."""
