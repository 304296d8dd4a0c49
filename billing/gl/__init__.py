"""The council's general ledger (issue 20): the chart of codes, money events as balanced journal lines,
numbered export batches, and the reconciliation of what was exported with the engine's own figures."""
