"""What every layer shares: the errors users see, strict numbers, output files written whole."""
