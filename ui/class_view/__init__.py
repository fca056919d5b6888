"""The class view's glue: the class's drawings read by the model, its sections, the class model and leaderboard."""
