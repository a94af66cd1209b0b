"""The oversight body's own words for a quarter: summary, look ahead, priorities."""
