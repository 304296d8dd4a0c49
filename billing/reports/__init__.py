"""The manager's reports (domain-rules §9): per-case cost and income, per-school income and cost,
budget against actual by funding source; as tables, JSON, CSV and a PDF pack."""
