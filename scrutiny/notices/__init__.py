"""Decision notices: the decisions of a plan's owning body and the deliverables they
fund or change."""
