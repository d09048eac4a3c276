"""The read side: denormalized tables on the "read" database alias, and their selectors."""
