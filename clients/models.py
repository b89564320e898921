"""Models of clients arrive with their issue; see DESIGN.md."""
