"""The faces' view-models: the planner app, the notebooks' widgets and the live view."""
