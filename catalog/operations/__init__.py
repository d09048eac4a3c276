"""What operators watch: the health of each service the platform needs, and its metrics."""
