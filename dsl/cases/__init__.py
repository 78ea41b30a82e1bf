"""Case documents: what a value of each field kind may be, and the readers of case files."""
