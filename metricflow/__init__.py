"""Neural-network metrics and their gradient flows; with a local frozen kernel, the Ricci flow (Halverson, Ruehle 2023)."""
