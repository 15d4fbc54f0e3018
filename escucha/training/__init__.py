"""Training and evaluating the analysis models on labelled data read from ../shared/data."""
