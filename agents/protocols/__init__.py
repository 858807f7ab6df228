"""Evaluation protocols a user runs (behind ``rigorgym evaluate``): one module per game or paper."""
