"""Models of arrangements arrive with their issue; see DESIGN.md."""
