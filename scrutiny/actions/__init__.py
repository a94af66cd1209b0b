"""Scrutiny actions: a panel's questions and recommendations, and their answers."""
