"""Models of alarms arrive with their issue; see DESIGN.md."""
