"""One module per pipeline stage; each wraps one model or one decision."""
