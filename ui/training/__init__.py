"""Parts of the Training page: model exchange and the replay of learning."""
