"""Phone numbers: the simulated network's inventory, rented numbers, own carriers."""
