"""Building the read side from the write side: read rows now, search documents later."""
