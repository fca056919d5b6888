"""Parts of the Test-set explorer page: cached evaluations and its tabs."""
