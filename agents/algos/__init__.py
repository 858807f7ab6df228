"""Training algorithms of the agent zoo, one readable file each (CleanRL style), and the saved-agent layout."""
