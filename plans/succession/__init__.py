"""Successor bodies: handing a body's plans, people and credentials to the body that
takes over its functions (the 2028 hand-over, force mergers)."""
