"""Building blocks shared by every service (not a service itself)."""
