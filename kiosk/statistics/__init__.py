"""Anonymous statistics for the subsidy claim: the hash-chained event store, CSV and reports."""
