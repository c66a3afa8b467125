"""Storage: the store interface (`interface.Store`) and its backends; the only layer that touches files or drivers."""
