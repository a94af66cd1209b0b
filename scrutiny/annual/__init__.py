"""The annual report: a plan's year of published quarters taken together, sent to
the police and crime panel, its recommendations answered, and published (frozen,
with versions), as the Police Reform and Social Responsibility Act 2011 asks
(s.12 and s.28)."""
