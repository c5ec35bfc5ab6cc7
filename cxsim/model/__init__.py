"""The market: draws, rules, network, mechanisms, the two engines and their results."""
