"""Parts of the Whole network page: the cached forward pass, clicks on the chart and the picked map."""
