"""Text analysis: language, sentiment, intent, complaint and offensive language."""
