"""The class challenge: fool the model while classmates still read the digit; scoring and the leaderboard."""
