"""What a person reads: figures, HTML pages and number formatting."""
