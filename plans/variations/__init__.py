"""Plan variations: dated, reasoned changes to a plan in force, and the plan as it
stood on any day (docs/variations.md)."""
