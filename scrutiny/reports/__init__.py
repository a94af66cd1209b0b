"""Published reports: a dashboard frozen as data and HTML, versioned, with its PDF and
downloads."""
