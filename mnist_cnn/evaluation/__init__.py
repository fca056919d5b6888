"""How a model does on the test set: predictions, confusion, per-class metrics, gallery paging."""
